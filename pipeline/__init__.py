"""Verbatim: mine open-text feedback and explain why customers are detractors or promoters."""

__version__ = "0.1.0"
