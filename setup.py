"""tb_convcam: conv-layer mosaics for TensorBoard."""

from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="tb_convcam",
    version="0.1.0",
    description="See what the convolutional layers of an image model do while it trains, in TensorBoard.",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    packages=find_packages(include=["tb_convcam", "tb_convcam.*"]),
    include_package_data=True,
    package_data={"tb_convcam.plugin": ["static/*"]},
    python_requires=">=3.10,<3.14",
    install_requires=["tensorflow>=2.16", "tensorboard>=2.16", "numpy"],
    entry_points={"tensorboard_plugins": ["convcam = tb_convcam.plugin.loader:ConvcamLoader"]},
    extras_require={
        "bench": ["tf-explain==0.3.1", "opencv-python-headless"],
        "test": ["pytest>=7", "selenium>=4.10", "hypothesis>=6"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
