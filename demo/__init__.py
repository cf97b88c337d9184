"""Convcam demo: train a dual-backbone CNN on synthetic shapes and watch it in TensorBoard."""
