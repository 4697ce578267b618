"""Markdown articles in; a checked, print-ready magazine, web site, feeds and newsletter out."""

__version__ = "0.1.0"
