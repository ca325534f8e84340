"""Datasets read by torchvision from local files (or downloaded with ``--download``).

Files live under ``--data-root`` (default ``$GANZOO_DATA`` or ``~/.cache/ganzoo/data``) in
torchvision's own layout; without them a build fails with an error naming the files.
"""

from ganzoo.api import DataSpec, DatasetInfo, hookimpl

DIGIT_SPEC = DataSpec(shape=(1, 28, 28), num_classes=10)

DATASETS = (
    DatasetInfo(
        name="mnist",
        spec=DIGIT_SPEC,
        builder="ganzoo_torchvision.standard:mnist",
        summary="MNIST, 60,000 train / 10,000 test handwritten digits, labeled",
        offline=False,
        source="torchvision.datasets.MNIST: <data root>/MNIST/raw/*-ubyte",
        extractor_accuracy_target=0.98,
    ),
    DatasetInfo(
        name="fashion-mnist",
        spec=DIGIT_SPEC,
        builder="ganzoo_torchvision.standard:fashion_mnist",
        summary="Fashion-MNIST, 60,000 train / 10,000 test clothing images, labeled",
        offline=False,
        source="torchvision.datasets.FashionMNIST: <data root>/FashionMNIST/raw/*-ubyte",
        extractor_accuracy_target=0.88,
    ),
    DatasetInfo(
        name="cifar10",
        spec=DataSpec(shape=(3, 32, 32), num_classes=10),
        builder="ganzoo_torchvision.standard:cifar10",
        summary="CIFAR-10, 50,000 train / 10,000 test 32×32 photos, labeled",
        offline=False,
        source="torchvision.datasets.CIFAR10: <data root>/cifar-10-batches-py/",
        extractor_accuracy_target=0.75,
    ),
    DatasetInfo(
        name="celeba",
        spec=DataSpec(shape=(3, 64, 64)),
        builder="ganzoo_torchvision.standard:celeba",
        summary="CelebA aligned faces, center-cropped to 64×64, unlabeled (attributes ignored)",
        offline=False,
        source="torchvision.datasets.CelebA: <data root>/celeba/img_align_celeba/ and its lists",
    ),
    DatasetInfo(
        name="image-folder",
        spec=DataSpec(shape=(3, 64, 64)),
        builder="ganzoo_torchvision.folders:image_folder",
        summary="Any folder of images (--data-root, recursive), RGB, center-cropped squares, "
                "unlabeled; train/ and test/ subfolders if present, else 1 in 10 held out",
        offline=False,
        source="your images under --data-root",
    ),
    DatasetInfo(
        name="paired-folder",
        spec=DataSpec(shape=(3, 256, 256), paired=True, input_shape=(3, 256, 256)),
        builder="ganzoo_torchvision.folders:paired_folder",
        summary="pix2pix A|B pairs (e.g. facades): --data-root/train/*.jpg, test/*.jpg, "
                "input on the left half, target on the right (AtoB)",
        offline=False,
        source="your side-by-side images under --data-root/{train,test}/",
    ),
    DatasetInfo(
        name="unpaired-folder",
        spec=DataSpec(shape=(3, 256, 256), input_shape=(3, 256, 256), unpaired=True),
        builder="ganzoo_torchvision.folders:unpaired_folder",
        summary="CycleGAN's two unpaired domains (e.g. horse2zebra): trainA/, trainB/, "
                "testA/, testB/ under <data root>/unpaired-folder/ or --data-root",
        offline=False,
        source="your images under <data root>/unpaired-folder/{trainA,trainB,testA,testB}/",
    ),
    DatasetInfo(
        name="image-captions",
        spec=DataSpec(shape=(3, 64, 64), captioned=True),
        builder="ganzoo_torchvision.folders:image_captions",
        summary="Images with a caption each: train/ and test/ holding x.png + x.txt (its "
                "first line), under <data root>/image-captions/ or --data-root; RGB squares",
        offline=False,
        source="your images and captions under <data root>/image-captions/{train,test}/",
    ),
)


@hookimpl
def ganzoo_register_datasets(registry):
    for info in DATASETS:
        registry.add_dataset(info)
