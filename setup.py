"""tb_convcam: conv-layer mosaics for TensorBoard."""

from pathlib import Path

from setuptools import find_namespace_packages, setup

setup(
    name="tb_convcam",
    version="0.1.0",
    description="See what the convolutional layers of an image model do while it trains, in TensorBoard.",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    # static/ holds the tab's files, no Python: a data package, so setuptools ships it without warning.
    packages=find_namespace_packages(include=["tb_convcam", "tb_convcam.*"]),
    include_package_data=True,
    package_data={"tb_convcam.plugin.static": ["*"]},
    python_requires=">=3.10,<3.14",
    # What every path needs: tiling, the TF-free writer, the plugin. Frameworks are the user's choice.
    install_requires=["numpy", "tensorboard>=2.16", "pillow", "google-crc32c>=1.5"],
    entry_points={"tensorboard_plugins": ["convcam = tb_convcam.plugin.loader:ConvcamLoader"]},
    extras_require={
        "tensorflow": ["tensorflow>=2.16"],
        "keras": ["keras>=3"],
        "torch": ["torch>=2.1"],
        "lightning": ["torch>=2.1", "pytorch_lightning>=2.0"],
        "demo": ["tensorflow>=2.16"],
        "bench": ["tensorflow>=2.16", "tf-explain==0.3.1", "opencv-python-headless", "selenium>=4.10", "jax[cpu]", "torch"],
        # torch is unpinned here; CI pins the CPU build with .ci/constraints.txt.
        "test": ["pytest>=7", "selenium>=4.10", "hypothesis>=6", "tensorflow>=2.16", "jax[cpu]", "torch",
                 "pytorch_lightning>=2.0", "fsspec"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
