"""Fuzz targets for wire's inputs: shared by the bounded CI tests and long local runs."""
