// Internal: the passive anti-spoofing models (MiniFASNetV2 and V1SE, converted to ONNX by
// models/convert_minifasnet.py), run with OpenCV's dnn module on a crop around the face.
#pragma once

#include <string>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace fastcert {

/** Both models, loaded once per engine (a cv::dnn::Net keeps per-call buffers: one thread each). */
class PassiveModels {
public:
    static constexpr int kModels = 2;
    static constexpr int kSide = 80;

    /** Loads minifasnet_v2.onnx and minifasnet_v1se.onnx from the folder; throws ModelLoadError. */
    PassiveModels(const std::string &model_directory, double box_scale);

    /**
     * The "real" probability of each model for the face `box` (left, top, width, height in the
     * pixels of `rgb`): the crop each model was trained on (the box scaled about its centre by the
     * model's factor, shifted to stay inside the image, shrunk when the image is too small),
     * resized to 80x80, BGR, 0..255.
     */
    void score(const cv::Mat &rgb, const cv::Rect2f &box, float real[kModels]);

    /** One model's three softmax outputs for a prepared 80x80 BGR crop (the converter's check). */
    void score_crop(int model, const cv::Mat &bgr80, float out[3]);

    /** The crop `model` reads around `box` in an image of the given size. */
    cv::Rect crop_for(int model, const cv::Rect2f &box, int width, int height) const;

private:
    cv::dnn::Net nets_[kModels];
    double box_scale_;
};

}  // namespace fastcert
