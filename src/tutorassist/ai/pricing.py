"""What a provider call costs, from the offline price table of genai-prices, and what a request is estimated to cost.

Batch API calls are priced with genai-prices' batch prices where it has them (`processing: batch`); where it does
not (its batch price equals the list price), at 50% of the list price, OpenAI's published batch discount, and the
usage row says so (`metadata.pricing`). A model genai-prices does not know (a self-hosted one) costs nothing here and
is marked `unpriced`: its cost is the operator's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from genai_prices import Usage, calc_price

OFFLINE_MODEL = "offline-templates"
BATCH_FALLBACK_DISCOUNT = Decimal("0.5")
MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class Price:
    usd: Decimal
    source: str  # list | batch | batch_assumed_50_percent | unpriced | offline


def call_cost(model: str, tokens_in: int, tokens_out: int, *, batch: bool = False) -> Price:
    if model == OFFLINE_MODEL:
        return Price(Decimal(0), "offline")
    usage = Usage(input_tokens=tokens_in, output_tokens=tokens_out)
    try:
        listed = calc_price(usage, model_ref=model).total_price
        if not batch:
            return Price(Decimal(listed).quantize(MICRO), "list")
        discounted = calc_price(usage, model_ref=model, price_context={"processing": "batch"}).total_price
    except LookupError:
        return Price(Decimal(0), "unpriced")
    if discounted < listed:
        return Price(Decimal(discounted).quantize(MICRO), "batch")
    return Price((Decimal(listed) * BATCH_FALLBACK_DISCOUNT).quantize(MICRO), "batch_assumed_50_percent")


# Estimation: what a call sends (the system prompt and instructions, the topic, the material excerpt) and what a
# question written as JSON takes, in tokens. Measured on the prompt of prompts.py: ~4 characters per token.
CHARS_PER_TOKEN = 4
OUTPUT_TOKENS_PER_QUESTION = 350


@dataclass(frozen=True)
class Estimate:
    calls: int
    tokens_input: int
    tokens_output: int
    cost_usd: Decimal
    model: str
    pricing: str

    def as_json(self) -> dict:
        return {"calls": self.calls, "tokens_input": self.tokens_input, "tokens_output": self.tokens_output,
                "tokens_total": self.tokens_input + self.tokens_output, "cost_usd": float(self.cost_usd),
                "model": self.model, "pricing": self.pricing}


def estimate_calls(model: str, prompt_chars: list[int], questions: int, *, batch: bool) -> Estimate:
    """Tokens and US dollars of calls whose prompts have `prompt_chars` characters, writing `questions` in all."""
    tokens_in = sum(-(-chars // CHARS_PER_TOKEN) for chars in prompt_chars)
    tokens_out = questions * OUTPUT_TOKENS_PER_QUESTION
    if model == OFFLINE_MODEL:
        return Estimate(len(prompt_chars), 0, 0, Decimal(0), model, "offline")
    price = call_cost(model, tokens_in, tokens_out, batch=batch)
    return Estimate(len(prompt_chars), tokens_in, tokens_out, price.usd, model, price.source)
