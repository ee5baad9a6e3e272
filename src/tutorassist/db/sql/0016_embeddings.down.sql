SELECT 1; -- placeholder: reverses 0016_embeddings.up.sql
