"""The one translation table: every visible string of the app, in English and 简体中文.

Keys are `area.name`. Values may hold `{placeholders}` filled by `t(key, **values)`; both
languages of a key must use the same placeholders (a test checks it). Chinese terms follow
shared/GLOSSARY.md.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"

# key: (English, 简体中文)
TEXT: dict[str, tuple[str, str]] = {
    # --- frame: app.py, sidebar, page titles ---------------------------------------------
    "app.title": ("CNN Lab", "CNN 实验室"),
    "app.tagline": (
        "Learn how a convolutional neural network reads handwritten digits.",
        "动手学习卷积神经网络如何识别手写数字。",
    ),
    "nav.home": ("Home", "首页"),
    "nav.dataset": ("Dataset", "数据集"),
    "nav.architecture": ("Architecture", "网络结构"),
    "nav.training": ("Training", "训练"),
    "nav.predict": ("Predict", "预测"),
    "help.home": (
        "The story of the course: data, convolution, pooling, classifier, training, prediction.",
        "课程的主线：数据、卷积、池化、分类器、训练、预测。",
    ),
    "help.dataset": (
        "Explore MNIST: counts, classes, digits, pixel values, normalisation and one-hot labels.",
        "浏览 MNIST：数量、类别、数字图像、像素值、归一化和独热编码。",
    ),
    "help.architecture": (
        "Build the CNN layer by layer with parameter counts; see convolution, pooling and "
        "activations on a real digit.",
        "逐层搭建卷积神经网络并计算参数；在真实数字上观察卷积、池化和激活函数。",
    ),
    "help.training": (
        "Train the network live with charts of accuracy and loss; compare it with an MLP.",
        "实时训练网络，查看准确率和损失曲线；与多层感知器比较。",
    ),
    "help.predict": (
        "Draw a digit and see what the model predicts, how sure it is and why.",
        "手写一个数字，看看模型的预测、置信度和依据。",
    ),
    "sidebar.language": ("Language / 语言", "Language / 语言"),
    "sidebar.data": ("Data", "数据"),
    "sidebar.data_full": ("Full MNIST: {source}", "完整 MNIST：{source}"),
    "sidebar.data_sample": (
        "Offline sample: {source}.",
        "离线样本：{source}。",
    ),
    "sidebar.data_sample_hint": (
        "For the full 60,000 digits run `python -m cnn download` once, or set `MNIST_PATH`.",
        "如需完整的 60,000 个数字，请运行一次 `python -m cnn download`，或设置 `MNIST_PATH`。",
    ),
    "sidebar.download": ("Download full MNIST (11 MB)", "下载完整 MNIST（11 MB）"),
    "sidebar.download_failed": (
        "The download failed: {error}",
        "下载失败：{error}",
    ),
    "sidebar.data_error": (
        "The data could not be loaded: {error}",
        "无法加载数据：{error}",
    ),
    "sidebar.model": ("Model in use", "当前使用的模型"),
    "model.shipped": ("Shipped model (trained on full MNIST)", "预训练模型（完整 MNIST 训练）"),
    "model.session": ("Trained in this session", "本次会话训练的模型"),
    "model.uploaded": ("Uploaded: {name}", "已上传：{name}"),
    "model.none_session": (
        "No model trained in this session yet: train one on the Training page.",
        "本次会话尚未训练模型：请在“训练”页面训练一个。",
    ),
    "model.shipped_missing": (
        "The shipped model is missing: {error}",
        "缺少预训练模型：{error}",
    ),
    # --- home ----------------------------------------------------------------------------
    "home.intro": (
        "This lab follows a classic course: a Keras CNN that reads handwritten digits from "
        "the MNIST dataset with 99 % accuracy. Go through the steps in order, or jump in.",
        "本实验沿用一门经典课程：用 Keras 搭建卷积神经网络，识别 MNIST 数据集中的手写数字，"
        "准确率达 99%。可以按顺序学习，也可以直接跳到任意一步。",
    ),
    "home.step_data": (
        "**1. Data.** 70,000 handwritten digits, 28 × 28 grey pixels. Pixels are divided by "
        "255 (normalisation) and labels become one-hot vectors.",
        "**1. 数据。** 70,000 个 28 × 28 的灰度手写数字。像素值除以 255（归一化），"
        "标签转换为独热编码。",
    ),
    "home.step_convolution": (
        "**2. Convolution.** A small filter slides over the image and lights up where it "
        "matches a feature such as an edge: 16, then 36 feature maps.",
        "**2. 卷积。** 一个小卷积核在图像上滑动，在与边缘等特征匹配的地方产生强响应："
        "先得到 16 个、再得到 36 个特征图。",
    ),
    "home.step_pooling": (
        "**3. Pooling.** 2 × 2 max pooling keeps the strongest response of each patch: the "
        "maps shrink from 28 × 28 to 14 × 14 to 7 × 7.",
        "**3. 池化。** 2 × 2 最大池化保留每个小区域中最强的响应：特征图从 28 × 28 缩小到 "
        "14 × 14，再到 7 × 7。",
    ),
    "home.step_classifier": (
        "**4. Classifier.** The maps are flattened into 1,764 numbers; a fully connected layer "
        "of 128 units and a softmax output give 10 probabilities. 242,062 parameters in all.",
        "**4. 分类器。** 特征图展平为 1,764 个数值，经过 128 个神经元的全连接层和 softmax "
        "输出层，得到 10 个概率。共 242,062 个参数。",
    ),
    "home.step_training": (
        "**5. Training.** Adam minimises the cross-entropy loss over 10 epochs; 20 % of the "
        "training set checks for overfitting. Test accuracy: about 99.1 %.",
        "**5. 训练。** 使用 Adam 优化器在 10 个训练轮数中最小化交叉熵损失函数；用 20% 的"
        "训练集作为验证集检查过拟合。测试集准确率约 99.1%。",
    ),
    "home.step_prediction": (
        "**6. Prediction.** Draw a digit with your own hand and see what the network thinks.",
        "**6. 预测。** 亲手写一个数字，看看网络怎么判断。",
    ),
    "home.go_dataset": ("Explore the data", "浏览数据"),
    "home.go_architecture": ("Build the network", "搭建网络"),
    "home.go_training": ("Train it live", "实时训练"),
    "home.go_predict": ("Draw a digit", "手写数字"),
    "home.conclusion": (
        "The course's conclusion, which you can check on the Training page: the CNN beats a "
        "multilayer perceptron both in accuracy and in overfitting.",
        "课程的结论（可在“训练”页面亲自验证）：卷积神经网络在准确率和过拟合两方面都优于"
        "多层感知器。",
    ),
    # --- errors shared by pages ------------------------------------------------------------
    "error.unexpected": (
        "Something went wrong: {error}. Your work so far is kept; try again.",
        "出现错误：{error}。已有的内容都已保留，请重试。",
    ),
    # --- dataset page ----------------------------------------------------------------------
    # --- architecture page -----------------------------------------------------------------
    # --- training page ---------------------------------------------------------------------
    # --- predict page ----------------------------------------------------------------------
}


def translate(key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for `key` in `language` ("en" or "zh"), with `{placeholders}` filled.

    An unknown key raises `KeyError`, so a typo fails in the tests, not in front of a class.
    """
    english, chinese = TEXT[key]
    text = chinese if language == "zh" else english
    return text.format(**values) if values else text
