"""Question embeddings: providers (a local model, any OpenAI-compatible endpoint), embedding jobs and similarity search."""
