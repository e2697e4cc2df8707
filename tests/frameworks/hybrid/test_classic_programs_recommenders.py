"""MXNet 1.x's example/recommenders: movielens_data.py and matrix_fact.py verbatim but for the import, run
as demo1-MF.ipynb runs them (LinearMatrixFactorization and MLPMatrixFactorization, plot_network of the
hybrid block called on symbols, summary, train with sgd and adam) on a synthetic MovieLens-100k laid out
as the zip unpacks (u1.base, u1.test, u.data; ml-100k.zip in place so nothing is downloaded), small sizes
and few epochs. graphviz, which plot_network draws with, is a stand-in recording the graph when the
package is not installed."""
import logging
import math
import os
import random
import sys
import types

import numpy as np

import frameworks.hybrid as mx
from frameworks.hybrid import autograd, gluon, nd


# ---------------------------------------------------------------- movielens_data.py

def load_mldataset(filename):
    """Not particularly fast code to parse the text file and load it into three NDArray's
    and product an NDArrayIter
    """
    user = []
    item = []
    score = []
    with open(filename) as f:
        for line in f:
            tks = line.strip().split('\t')
            if len(tks) != 4:
                continue
            user.append(int(tks[0]))
            item.append(int(tks[1]))
            score.append(float(tks[2]))
    user = mx.nd.array(user)
    item = mx.nd.array(item)
    score = mx.nd.array(score)
    return gluon.data.ArrayDataset(user, item, score)

def ensure_local_data(prefix):
    if not os.path.exists("%s.zip" % prefix):
        print("Downloading MovieLens data: %s" % prefix)
        # MovieLens 100k dataset from https://grouplens.org/datasets/movielens/
        # This dataset is copy right to GroupLens Research Group at the University of Minnesota,
        # and licensed under their usage license.
        # For full text of the usage license, see http://files.grouplens.org/datasets/movielens/ml-100k-README.txt
        os.system("wget http://files.grouplens.org/datasets/movielens/%s.zip" % prefix)
        os.system("unzip %s.zip" % prefix)


def get_dataset(prefix='ml-100k'):
    """Returns a pair of NDArrayDataIter, one for train, one for test.
    """
    ensure_local_data(prefix)
    return (load_mldataset('./%s/u1.base' % prefix),
            load_mldataset('./%s/u1.test' % prefix))

def max_id(fname):
    mu = 0
    mi = 0
    for line in open(fname):
        tks = line.strip().split('\t')
        if len(tks) != 4:
            continue
        mu = max(mu, int(tks[0]))
        mi = max(mi, int(tks[1]))
    return mu + 1, mi + 1


# ---------------------------------------------------------------- matrix_fact.py

def evaluate_network(network, data_iterator, ctx):
    loss_acc = 0.
    l2 = gluon.loss.L2Loss()
    for idx, (users, items, scores) in enumerate(data_iterator):
        users_ = gluon.utils.split_and_load(users, ctx)
        items_ = gluon.utils.split_and_load(items, ctx)
        scores_ =gluon.utils.split_and_load(scores, ctx)
        preds = [network(u, i) for u, i in zip(users_, items_)]
        losses = [l2(p, s).asnumpy() for p, s in zip(preds, scores_)]
        loss_acc += sum(losses).mean()/len(ctx)
    return loss_acc/(idx+1)

def train(network, train_data, test_data, epochs, learning_rate=0.01, optimizer='sgd', ctx=mx.gpu(0), num_epoch_lr=5, factor=0.2):

    np.random.seed(123)  # Fix random seed for consistent demos
    mx.random.seed(123)  # Fix random seed for consistent demos
    random.seed(123)  # Fix random seed for consistent demos

    schedule = mx.lr_scheduler.FactorScheduler(step=len(train_data)*len(ctx)*num_epoch_lr, factor=factor)

    trainer = gluon.Trainer(network.collect_params(), optimizer,
                            {'learning_rate':learning_rate, 'wd':0.0001, 'lr_scheduler':schedule})
                            #update_on_kvstore=False)

    l2 = gluon.loss.L2Loss()

    network.hybridize()

    losses_output = []
    for e in range(epochs):
        loss_acc = 0.
        for idx, (users, items, scores) in enumerate(train_data):

            users_ = gluon.utils.split_and_load(users, ctx)
            items_ = gluon.utils.split_and_load(items, ctx)
            scores_ =gluon.utils.split_and_load(scores, ctx)

            with autograd.record():
                preds = [network(u, i) for u, i in zip(users_, items_)]
                losses = [l2(p, s) for p, s in zip(preds, scores_)]

            [l.backward() for l in losses]
            loss_acc += sum([l.asnumpy() for l in losses]).mean()/len(ctx)
            trainer.update(users.shape[0])

        test_loss = evaluate_network(network, test_data, ctx)
        train_loss = loss_acc/(idx+1)
        print("Epoch [{}], Training RMSE {:.4f}, Test RMSE {:.4f}".format(e, train_loss, test_loss))
        losses_output.append((train_loss, test_loss))
    return losses_output


# ---------------------------------------------------------------- the data and the notebook

def _write_movielens(root):
    # 60 users x 40 items, scores 1..5 from two latent factors: learnable by a factorization
    rs = np.random.RandomState(0)
    u, v = rs.uniform(0.3, 1.2, (61, 2)), rs.uniform(0.3, 1.2, (41, 2))
    rows = [(a, b, int(np.clip(np.rint((u[a] @ v[b]) * 2.5), 1, 5)))
            for a in range(1, 61) for b in range(1, 41) if rs.rand() < 0.5]
    rs.shuffle(rows)
    os.makedirs(root / "ml-100k")
    (root / "ml-100k.zip").write_bytes(b"")   # in place: ensure_local_data downloads nothing
    for name, part in (("u1.base", rows[:900]), ("u1.test", rows[900:]), ("u.data", rows)):
        with open(root / "ml-100k" / name, "w") as f:
            f.writelines("%d\t%d\t%d\t881250949\n" % r for r in part)


class _Digraph:
    def __init__(self, name, format):
        self.nodes, self.edges = {}, []

    def node(self, name, label, **attr):
        self.nodes[name] = label

    def edge(self, tail_name, head_name, **attr):
        self.edges.append((tail_name, head_name))


def test_matrix_factorization_demo(tmp_path, monkeypatch, capsys):
    _write_movielens(tmp_path)
    monkeypatch.chdir(tmp_path)
    try:
        import graphviz  # noqa: F401
    except ImportError:
        monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Digraph=_Digraph))

    ctx = [mx.gpu(0)] if mx.context.num_gpus() > 0 else [mx.cpu()]
    batch_size = 128

    train_dataset, test_dataset = get_dataset()
    max_user, max_item = max_id('./ml-100k/u.data')
    assert (max_user, max_item) == (61, 41)

    train_data = gluon.data.DataLoader(train_dataset, shuffle=True, last_batch='rollover', batch_size=batch_size, num_workers=0)
    test_data = gluon.data.DataLoader(test_dataset, shuffle=True, batch_size=batch_size, num_workers=0)

    for user, item, score in test_data:
        print(user[0], item[0], score[0])
        break

    class LinearMatrixFactorization(gluon.HybridBlock):

        def __init__(self, k, max_user=max_user, max_item=max_item):
            super(LinearMatrixFactorization, self).__init__(prefix='linearMF_')

            # user feature lookup
            with self.name_scope():
                self.user_embedding = gluon.nn.Embedding(input_dim=max_user, output_dim = k, prefix='emb_user_')

                # item feature lookup
                self.item_embedding = gluon.nn.Embedding(input_dim=max_item, output_dim = k, prefix='emb_item_')

        def hybrid_forward(self, F, user, item):
            user_embeddings = self.user_embedding(user).relu()
            items_embeddings = self.item_embedding(item).relu()

            # predict by the inner product, which is elementwise product and then sum
            pred = (user_embeddings * items_embeddings).sum(axis=1)

            return pred.flatten()

    net1 = LinearMatrixFactorization(64)
    net1.initialize(mx.init.Xavier(), ctx=ctx)
    dot = mx.viz.plot_network(net1(mx.sym.var('user'), mx.sym.var('item')), node_attrs={"fixedsize":"false"})
    if isinstance(dot, _Digraph):
        assert {"user", "item"} <= set(dot.nodes) and "linearMF_emb_user_weight" not in dot.nodes

    net1.summary(user.as_in_context(ctx[0]), item.as_in_context(ctx[0]))

    losses_1 = train(net1, train_data, test_data, epochs=6, learning_rate=1, ctx=ctx)

    net1 = LinearMatrixFactorization(64)
    net1.initialize(mx.init.Xavier(), ctx=ctx)

    losses_1_adam = train(net1, train_data, test_data, epochs=6, optimizer='adam', learning_rate=0.01, ctx=ctx)

    ratings = nd.dot(net1.user_embedding.weight.data(ctx=ctx[0]), net1.item_embedding.weight.data(ctx=ctx[0]).T).asnumpy()
    assert ratings.shape == (61, 41)

    class MLPMatrixFactorization(gluon.HybridBlock):

        def __init__(self, k, hidden, max_user=max_user, max_item=max_item):
            super(MLPMatrixFactorization, self).__init__(prefix='MLP_MF_')

            # user feature lookup
            with self.name_scope():
                self.user_embedding = gluon.nn.Embedding(input_dim=max_user, output_dim = k, prefix='emb_user_')
                self.user_mlp = gluon.nn.Dense(hidden, prefix='dense_user_')

                # item feature lookup
                self.item_embedding = gluon.nn.Embedding(input_dim=max_item, output_dim = k, prefix='emb_item_')
                self.item_mlp = gluon.nn.Dense(hidden, prefix='dense_item_')

        def hybrid_forward(self, F, user, item):
            user_embeddings = self.user_embedding(user)
            user_embeddings_relu = user_embeddings.relu()
            user_transformed = self.user_mlp(user_embeddings_relu)

            items_embeddings = self.item_embedding(item)
            items_embeddings_relu = items_embeddings.relu()
            items_transformed = self.item_mlp(items_embeddings_relu)

            # predict by the inner product, which is elementwise product and then sum
            pred = (user_transformed * items_transformed).sum(axis=1)

            return pred.flatten()

    net2 = MLPMatrixFactorization(16, 16)
    net2.initialize(mx.init.Xavier(), ctx=ctx)
    losses_2_adam  = train(net2, train_data, test_data, epochs=6, optimizer='adam', learning_rate=0.01, ctx=ctx)

    out = capsys.readouterr().out
    assert out.count("Training RMSE") == 18 and "Embedding-1" in out   # three runs; the summary's rows
    for losses in (losses_1, losses_1_adam, losses_2_adam):
        (train0, test0), (train1, test1) = losses[0], losses[-1]
        assert math.isfinite(test1) and train1 < train0 and test1 < test0, losses
    # the scores' variance is about 0.6: a learned factorization explains much of it
    assert losses_1_adam[-1][1] < 0.5 * losses_1_adam[0][1]
