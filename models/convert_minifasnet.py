#!/usr/bin/env python3
"""Converts the two MiniFASNet anti-spoofing weight files (Silent-Face-Anti-Spoofing, Apache-2.0)
from PyTorch's legacy serialization to ONNX graphs OpenCV 4.6's cv::dnn runs, without torch.

    python3 -m venv /tmp/onnx && /tmp/onnx/bin/pip install onnx numpy pillow
    /tmp/onnx/bin/python models/convert_minifasnet.py ../shared/models/minifasnet models/

Reads each .pth (a pickle stream: magic, protocol, sys info, the state dict whose tensors name
their storages by persistent id, the storage keys, then each storage's raw float32 data), walks the
network from the state dict's own keys (MiniFASNetV2, and V1SE with squeeze-and-excitation in the
last block of each residual stage), folds every batch norm into the layer before it, and writes
`<name>.onnx` (input `input`: 1x3x80x80 BGR 0..255, output `prob`: softmax over 3 classes, class 1
= real). It also runs its own float64 numpy forward pass of the unfolded network on the check crops
in `models/minifasnet-check/` (80x80 BGR bytes cut from the test fixtures) and writes the
probabilities to `models/minifasnet-check/expected.tsv`: the Swift test runs the ONNX files through
the native engine on the same crops and requires them within 1e-4.
"""
import collections
import hashlib
import pathlib
import pickle
import struct
import sys

import numpy as np

MODELS = {
    "2.7_80x80_MiniFASNetV2.pth": ("minifasnet_v2", 2.7),
    "4_0_0_80x80_MiniFASNetV1SE.pth": ("minifasnet_v1se", 4.0),
}


# -- the legacy reader ------------------------------------------------------------------------

class _Storage:
    def __init__(self, key):
        self.key = key


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


class _Reader(pickle.Unpickler):
    def __init__(self, f):
        super().__init__(f)
        self.dtypes = {}

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *rest: _Tensor(storage, offset, size, stride)
        if module == "torch" and name in ("FloatStorage", "LongStorage"):
            return {"FloatStorage": "<f4", "LongStorage": "<i8"}[name]
        raise pickle.UnpicklingError(f"unexpected class {module}.{name}")

    def persistent_load(self, saved_id):
        kind, dtype, key, _location, _size = saved_id[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {saved_id[:2]}")
        self.dtypes[key] = dtype
        return _Storage(key)


def read_state_dict(path):
    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, sys info
            pickle.load(f)
        reader = _Reader(f)
        state = reader.load()
        keys = pickle.load(f)
        data = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(reader.dtypes[key])
            data[key] = np.frombuffer(f.read(dtype.itemsize * count), dtype=dtype)
        if f.read(1):
            raise ValueError(f"{path}: bytes after the last storage")
    tensors = {}
    for name, t in state.items():
        if not isinstance(t, _Tensor):
            continue  # num_batches_tracked and the like
        base = data[t.storage.key]
        if base.dtype != np.float32:
            continue  # num_batches_tracked
        strides = tuple(4 * s for s in t.stride)
        array = np.lib.stride_tricks.as_strided(base[t.offset:], shape=t.size, strides=strides)
        tensors[name.removeprefix("module.")] = np.array(array, dtype=np.float64)
    return tensors


# -- the network, from the state dict's keys -----------------------------------------------------

def layers(w):
    """The forward order as a list of steps: ("conv", prefix, stride, pad, prelu), ("block", prefix,
    stride, residual, se), ("flatten",), ("linear", ...)."""
    steps = [("conv", "conv1", 2, 1, True), ("conv", "conv2_dw", 1, 1, True), ("block", "conv_23", 2, False, False)]
    for stage, down in (("conv_3", "conv_34"), ("conv_4", "conv_45"), ("conv_5", None)):
        i = 0
        while f"{stage}.model.{i}.conv.conv.weight" in w:
            steps.append(("block", f"{stage}.model.{i}", 1, True, f"{stage}.model.{i}.se_module.fc1.weight" in w))
            i += 1
        if down:
            steps.append(("block", down, 2, False, False))
    steps += [("conv", "conv_6_sep", 1, 0, True), ("conv", "conv_6_dw", 1, 0, False), ("head",)]
    return steps


def groups_of(weight, in_channels):
    return weight.shape[0] if weight.shape[1] == 1 and in_channels > 1 else 1


def bn_scale(w, prefix, eps=1e-5):
    scale = w[f"{prefix}.weight"] / np.sqrt(w[f"{prefix}.running_var"] + eps)
    return scale, w[f"{prefix}.bias"] - w[f"{prefix}.running_mean"] * scale


# -- the numpy reference (float64, batch norms as they are) --------------------------------------

def np_conv(x, weight, stride, pad, groups):
    c, h, wd = x.shape
    o, cg, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((groups, o // groups, ho * wo))
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, ky:ky + stride * ho:stride, kx:kx + stride * wo:stride].reshape(groups, cg, ho * wo)
            out += np.einsum("goc,gcp->gop", weight[:, :, ky, kx].reshape(groups, o // groups, cg), patch)
    return out.reshape(o, ho, wo)


def np_bn(x, w, prefix):
    scale, shift = bn_scale(w, prefix)
    return x * scale[:, None, None] + shift[:, None, None]


def np_conv_block(x, w, prefix, stride, pad, prelu):
    weight = w[f"{prefix}.conv.weight"]
    x = np_bn(np_conv(x, weight, stride, pad, groups_of(weight, x.shape[0])), w, f"{prefix}.bn")
    if prelu:
        a = w[f"{prefix}.prelu.weight"][:, None, None]
        x = np.where(x > 0, x, a * x)
    return x


def reference(w, image):
    """Softmax probabilities for one 3x80x80 BGR 0..255 input."""
    x = image.astype(np.float64)
    for step in layers(w):
        if step[0] == "conv":
            _, prefix, stride, pad, prelu = step
            x = np_conv_block(x, w, prefix, stride, pad, prelu)
        elif step[0] == "block":
            _, prefix, stride, residual, se = step
            y = np_conv_block(x, w, f"{prefix}.conv", 1, 0, True)
            y = np_conv_block(y, w, f"{prefix}.conv_dw", stride, 1, True)
            y = np_conv_block(y, w, f"{prefix}.project", 1, 0, False)
            if se:
                s = y.mean(axis=(1, 2), keepdims=True)
                s = np_bn(np_conv(s, w[f"{prefix}.se_module.fc1.weight"], 1, 0, 1), w, f"{prefix}.se_module.bn1")
                s = np.maximum(s, 0)
                s = np_bn(np_conv(s, w[f"{prefix}.se_module.fc2.weight"], 1, 0, 1), w, f"{prefix}.se_module.bn2")
                y = y * (1 / (1 + np.exp(-s)))
            x = x + y if residual else y
        else:
            v = x.reshape(-1)
            v = w["linear.weight"] @ v
            scale, shift = w["bn.weight"] / np.sqrt(w["bn.running_var"] + 1e-5), None
            v = (v - w["bn.running_mean"]) * scale + w["bn.bias"]
            logits = w["prob.weight"] @ v
            e = np.exp(logits - logits.max())
            return e / e.sum()


# -- the ONNX graph (batch norms folded) --------------------------------------------------------

def to_onnx(w, name):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    counter = [0]

    def fresh(stem):
        counter[0] += 1
        return f"{stem}_{counter[0]}"

    def const(array, stem):
        n = fresh(stem)
        inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), n))
        return n

    def conv(x, weight, bias, stride, pad, groups):
        out = fresh("conv")
        k = weight.shape[2]
        nodes.append(helper.make_node(
            "Conv", [x, const(weight, "w"), const(bias, "b")], [out], kernel_shape=[k, k], strides=[stride, stride],
            pads=[pad] * 4, group=groups))
        return out

    def folded(prefix_conv, prefix_bn, x, channels_in, stride, pad):
        weight = w[prefix_conv]
        scale, shift = bn_scale(w, prefix_bn)
        return conv(x, weight * scale[:, None, None, None], shift, stride, pad, groups_of(weight, channels_in)), weight.shape[0]

    def block(x, c, prefix, stride, pad, prelu):
        y, c = folded(f"{prefix}.conv.weight", f"{prefix}.bn", x, c, stride, pad)
        if prelu:
            out = fresh("prelu")
            nodes.append(helper.make_node("PRelu", [y, const(w[f"{prefix}.prelu.weight"].reshape(-1, 1, 1), "slope")], [out]))
            y = out
        return y, c

    x, c = "input", 3
    for step in layers(w):
        if step[0] == "conv":
            _, prefix, stride, pad, prelu = step
            x, c = block(x, c, prefix, stride, pad, prelu)
        elif step[0] == "block":
            _, prefix, stride, residual, se = step
            y, cy = block(x, c, f"{prefix}.conv", 1, 0, True)
            y, cy = block(y, cy, f"{prefix}.conv_dw", stride, 1, True)
            y, cy = block(y, cy, f"{prefix}.project", 1, 0, False)
            if se:
                pooled = fresh("pool")
                nodes.append(helper.make_node("GlobalAveragePool", [y], [pooled]))
                s, cs = folded(f"{prefix}.se_module.fc1.weight", f"{prefix}.se_module.bn1", pooled, cy, 1, 0)
                relu = fresh("relu")
                nodes.append(helper.make_node("Relu", [s], [relu]))
                s, _ = folded(f"{prefix}.se_module.fc2.weight", f"{prefix}.se_module.bn2", relu, cs, 1, 0)
                gate = fresh("gate")
                nodes.append(helper.make_node("Sigmoid", [s], [gate]))
                scaled = fresh("se")
                nodes.append(helper.make_node("Mul", [y, gate], [scaled]))
                y = scaled
            if residual:
                out = fresh("add")
                nodes.append(helper.make_node("Add", [x, y], [out]))
                y = out
            x, c = y, cy
        else:
            flat = fresh("flat")
            nodes.append(helper.make_node("Flatten", [x], [flat], axis=1))
            scale = w["bn.weight"] / np.sqrt(w["bn.running_var"] + 1e-5)
            embedding = fresh("embedding")
            nodes.append(helper.make_node(
                "Gemm", [flat, const(w["linear.weight"] * scale[:, None], "fc"), const(w["bn.bias"] - w["bn.running_mean"] * scale, "fcb")],
                [embedding], transB=1))
            logits = fresh("logits")
            nodes.append(helper.make_node(
                "Gemm", [embedding, const(w["prob.weight"], "prob"), const(np.zeros(w["prob.weight"].shape[0]), "probb")], [logits],
                transB=1))
            nodes.append(helper.make_node("Softmax", [logits], ["prob"], axis=1))
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 80, 80])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="fastcert convert_minifasnet.py")
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model.SerializeToString()


def check_crops(folder):
    """The check crops: 80x80 BGR bytes (written once from the fixtures by `--make-crops`)."""
    return sorted(folder.glob("*.bgr"))


def make_crops(images, folder):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(images.glob("*.jpg")):
        image = Image.open(path).convert("RGB")
        w, h = image.size
        side = min(w, h)
        for n, (fx, fy, fs) in enumerate(((0.5, 0.4, 0.9), (0.5, 0.5, 0.5))):
            s = int(side * fs)
            left, top = int(w * fx - s / 2), int(h * fy - s / 2)
            left, top = max(0, min(left, w - s)), max(0, min(top, h - s))
            crop = image.crop((left, top, left + s, top + s)).resize((80, 80), Image.BILINEAR)
            bgr = np.asarray(crop)[:, :, ::-1]
            (folder / f"{path.stem}-{n}.bgr").write_bytes(np.ascontiguousarray(bgr).tobytes())


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--make-crops":
        make_crops(pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]))
        return
    source, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    crops = check_crops(out / "minifasnet-check")
    rows = ["crop\tmodel\tspoof_0\treal\tspoof_2"]
    for file, (name, scale) in MODELS.items():
        w = read_state_dict(source / file)
        onnx_bytes = to_onnx(w, name)
        (out / f"{name}.onnx").write_bytes(onnx_bytes)
        print(f"{name}.onnx\t{hashlib.sha256(onnx_bytes).hexdigest()}\t{len(onnx_bytes)} bytes\tcrop scale {scale}")
        for crop in crops:
            image = np.frombuffer(crop.read_bytes(), dtype=np.uint8).reshape(80, 80, 3).transpose(2, 0, 1)
            p = reference(w, image)
            rows.append(f"{crop.name}\t{name}\t" + "\t".join(f"{v:.7f}" for v in p))
    (out / "minifasnet-check" / "expected.tsv").write_text("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
