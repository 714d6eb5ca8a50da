"""Full-text search over ideas with Whoosh, behind the small interface of `index.py`."""
