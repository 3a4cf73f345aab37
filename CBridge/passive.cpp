// The passive anti-spoofing models: a screen or a print held up to the camera scores low "real".
#include "internal/passive.hpp"

#include <algorithm>
#include <fstream>

#include <opencv2/imgproc.hpp>

#include "internal/face_pipeline.hpp"

namespace fastcert {
namespace {

constexpr const char *kFiles[PassiveModels::kModels] = {"minifasnet_v2.onnx", "minifasnet_v1se.onnx"};
// How far around the face each model was trained to look (the training crops' scale factors).
constexpr double kCropScale[PassiveModels::kModels] = {2.7, 4.0};
}  // namespace

// dlib's HOG box is tighter than the one of the detector the models were trained with: the box is
// enlarged by box_scale before the crop scale applies (fc_engine_options.passive_box_scale).
PassiveModels::PassiveModels(const std::string &model_directory, double box_scale) : box_scale_(box_scale) {
    for (int m = 0; m < kModels; m++) {
        const std::string path = model_directory + "/" + kFiles[m];
        if (!std::ifstream(path).good())
            throw ModelLoadError("model file " + path + " is missing or unreadable (it is committed in models/)");
        try {
            nets_[m] = cv::dnn::readNetFromONNX(path);
        } catch (const cv::Exception &error) {
            throw ModelLoadError("model file " + path + " is not an ONNX graph OpenCV can run (" + error.what() + ")");
        }
        nets_[m].setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        nets_[m].setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    }
}

cv::Rect PassiveModels::crop_for(int model, const cv::Rect2f &face, int width, int height) const {
    const double bw = face.width * box_scale_, bh = face.height * box_scale_;
    const double cx = face.x + face.width / 2.0, cy = face.y + face.height / 2.0;
    // The training crops: scaled about the centre, at most as large as the image allows.
    const double scale = std::min({kCropScale[model], (height - 1) / std::max(bh, 1.0), (width - 1) / std::max(bw, 1.0)});
    const double w = bw * scale, h = bh * scale;
    double left = cx - w / 2, top = cy - h / 2, right = cx + w / 2, bottom = cy + h / 2;
    if (left < 0) { right -= left; left = 0; }
    if (top < 0) { bottom -= top; top = 0; }
    if (right > width - 1) { left -= right - width + 1; right = width - 1; }
    if (bottom > height - 1) { top -= bottom - height + 1; bottom = height - 1; }
    cv::Rect crop(int(left), int(top), int(right) - int(left) + 1, int(bottom) - int(top) + 1);
    return crop & cv::Rect(0, 0, width, height);
}

void PassiveModels::score_crop(int model, const cv::Mat &bgr80, float out[3]) {
    cv::Mat blob = cv::dnn::blobFromImage(bgr80, 1.0, cv::Size(kSide, kSide), cv::Scalar(), false, false, CV_32F);
    nets_[model].setInput(blob);
    cv::Mat prob = nets_[model].forward();
    for (int k = 0; k < 3; k++) out[k] = prob.at<float>(0, k);
}

void PassiveModels::score(const cv::Mat &rgb, const cv::Rect2f &box, float real[kModels]) {
    for (int m = 0; m < kModels; m++) {
        cv::Rect crop = crop_for(m, box, rgb.cols, rgb.rows);
        if (crop.width < 2 || crop.height < 2) {
            real[m] = -1;
            continue;
        }
        cv::Mat bgr, resized;
        cv::cvtColor(rgb(crop), bgr, cv::COLOR_RGB2BGR);
        cv::resize(bgr, resized, cv::Size(kSide, kSide), 0, 0, cv::INTER_LINEAR);
        float out[3];
        score_crop(m, resized, out);
        real[m] = out[1];
    }
}

}  // namespace fastcert
