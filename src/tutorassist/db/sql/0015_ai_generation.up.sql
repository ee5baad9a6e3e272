SELECT 1; -- placeholder: AI generation: provenance, usage and cost, batches, workspace AI budgets
