"""Small building blocks shared by ganzoo's convolutional parts (normalization, init)."""
