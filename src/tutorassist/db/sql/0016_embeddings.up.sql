SELECT 1; -- placeholder: Embeddings of several models side by side, per-model ANN indexes, similarity search
