"""Themes: what customers talk about (BERTopic on opinion units, issue 5, in progress).

So far: :mod:`pipeline.themes.evaluate`, the measures used to choose and check a theme model
against gold labels.
"""
