#!/usr/bin/python3
"""The scikit-learn side of the learning benchmarks (Debian's python3-sklearn). Run by learning.sh; prints JSON."""
import gzip, json, sys, time
import numpy as np


def save(path, x, y):
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", fmt="%.7g")


def load(path):
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    return data[:, :-1], data[:, -1].astype(int)


def idx(path):
    with gzip.open(path) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def make_data(out, datasets):
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=250_000, n_features=40, n_informative=10, n_redundant=5, n_classes=5,
                               n_clusters_per_class=2, random_state=0)
    save(f"{out}/synthetic-train.csv", x[:200_000], y[:200_000])
    save(f"{out}/synthetic-test.csv", x[200_000:], y[200_000:])
    for name in ("iris", "digits"):
        data = np.loadtxt(f"{datasets}/{name}.csv", delimiter=",", skiprows=1)
        order = np.random.RandomState(0).permutation(len(data))
        cut = int(len(data) * 0.75)
        save(f"{out}/{name}-train.csv", data[order[:cut], :-1], data[order[:cut], -1])
        save(f"{out}/{name}-test.csv", data[order[cut:], :-1], data[order[cut:], -1])
    fashion = "/usr/share/datasets/fashion-mnist"
    for part, prefix in (("train", "train"), ("test", "t10k")):
        images = idx(f"{fashion}/{prefix}-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
        labels = idx(f"{fashion}/{prefix}-labels-idx1-ubyte.gz")
        save(f"{out}/fashion-{part}.csv", images, labels)


def forest(out, name, trees, depth):
    from sklearn.ensemble import RandomForestClassifier
    x, y = load(f"{out}/{name}-train.csv")
    xt, yt = load(f"{out}/{name}-test.csv")
    model = RandomForestClassifier(n_estimators=trees, max_depth=depth, n_jobs=2, random_state=0)
    start = time.perf_counter()
    model.fit(x, y)
    fit = time.perf_counter() - start
    print(json.dumps({"fit_s": fit, "accuracy": model.score(xt, yt)}))


def mlp(out, name, hidden, epochs):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    warnings.simplefilter("ignore", ConvergenceWarning)
    x, y = load(f"{out}/{name}-train.csv")
    xt, yt = load(f"{out}/{name}-test.csv")
    model = MLPClassifier(hidden_layer_sizes=(hidden,), solver="adam", learning_rate_init=0.001, batch_size=200,
                          max_iter=epochs, tol=0, n_iter_no_change=10**9, alpha=0.0, random_state=0, shuffle=True)
    start = time.perf_counter()
    model.fit(x, y)
    fit = time.perf_counter() - start
    print(json.dumps({"fit_s": fit, "epoch_ms": fit / model.n_iter_ * 1000, "accuracy": model.score(xt, yt)}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "make-data":
        make_data(*args)
    elif command == "forest":
        forest(args[0], args[1], int(args[2]), None if args[3] == "none" else int(args[3]))
    elif command == "mlp":
        mlp(args[0], args[1], int(args[2]), int(args[3]))
