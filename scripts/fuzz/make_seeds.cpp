// Writes small seeds for the bridge fuzzer: each photo given, shrunk to 64, 128 and 200 pixels
// wide, as JPEG (baseline and progressive) and PNG, each under every entry point's selector byte.
// Small seeds keep the fuzzer's executions fast (the decoders are what is fuzzed, not the size).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: make_seeds OUT_DIR PHOTO...\n");
        return 2;
    }
    const std::string out = argv[1];
    int written = 0;
    for (int i = 2; i < argc; i++) {
        cv::Mat photo = cv::imread(argv[i], cv::IMREAD_COLOR);
        if (photo.empty()) continue;
        for (int width : {64, 128, 200}) {
            cv::Mat small;
            cv::resize(photo, small, cv::Size(width, std::max(1, photo.rows * width / photo.cols)), 0, 0, cv::INTER_AREA);
            const std::vector<std::pair<std::string, std::vector<int>>> formats = {
                {".jpg", {cv::IMWRITE_JPEG_QUALITY, 80}},
                {".jpg", {cv::IMWRITE_JPEG_QUALITY, 70, cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
                {".png", {}},
            };
            int variant = 0;
            for (const auto &[extension, parameters] : formats) {
                std::vector<uchar> bytes;
                if (!cv::imencode(extension, small, bytes, parameters)) continue;
                for (int selector = 0; selector < 6; selector++) {
                    const std::string name = out + "/" + std::to_string(selector) + "-" + std::to_string(i) + "-" + std::to_string(width) +
                                             "-" + std::to_string(variant) + extension;
                    std::ofstream file(name, std::ios::binary);
                    const char head[3] = {char(selector), char(width), char(i)};
                    file.write(head, 3);
                    file.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
                    written++;
                }
                variant++;
            }
        }
    }
    std::printf("%d seeds\n", written);
    return written > 0 ? 0 : 1;
}
