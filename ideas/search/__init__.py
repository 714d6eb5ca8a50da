"""Full-text search over ideas with Tantivy (and Whoosh's parser), behind `index.py`."""
