"""The question bank: curricula, topics, source material, generation batches, questions, embeddings and history."""
