import numpy as np
import torch

from rnnlp.data.batching import BucketBatcher, collate


def test_collate_pads_and_masks():
    batch = collate([[5, 6, 7], [8]], [1, 0])
    assert batch.ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch.lengths.tolist() == [3, 1]
    assert batch.mask.tolist() == [[True, True, True], [True, False, False]]
    assert batch.targets.tolist() == [1, 0]
    tagged = collate([[5, 6], [7]], [[1, 2], [3]])
    assert tagged.targets.tolist() == [[1, 2], [3, -100]]


def test_every_example_once_per_epoch_and_reproducible():
    lengths = np.random.default_rng(0).integers(1, 50, size=1003)
    batcher = BucketBatcher(lengths, 32, seed=3)
    epoch0 = batcher.batches()
    assert sorted(np.concatenate(epoch0).tolist()) == list(range(1003))
    assert all(len(b) <= 32 for b in epoch0)
    assert [b.tolist() for b in epoch0] == [b.tolist() for b in BucketBatcher(lengths, 32, seed=3).batches()]
    batcher.set_epoch(1)
    assert [b.tolist() for b in batcher.batches()] != [b.tolist() for b in epoch0]


def test_bucketing_reduces_padding():
    lengths = np.random.default_rng(1).integers(1, 60, size=2000)

    def padding(bucket):
        batches = BucketBatcher(lengths, 32, bucket=bucket, seed=0).batches()
        return sum(lengths[b].max() * len(b) - lengths[b].sum() for b in batches)

    assert padding(True) < 0.2 * padding(False)


def test_unshuffled_order_is_the_data_order():
    batches = BucketBatcher([3, 1, 2], 2, shuffle=False, bucket=False).batches()
    assert [b.tolist() for b in batches] == [[0, 1], [2]]
    assert torch.equal(collate([[1]], [0]).ids, torch.tensor([[1]]))


def test_pin_memory_keeps_the_batch():
    if not torch.cuda.is_available():
        import pytest
        pytest.skip("pinned memory needs CUDA")
    batch = collate([[5, 6], [7]], [1, 0]).pin_memory()
    assert batch.ids.is_pinned() and batch.ids.tolist() == [[5, 6], [7, 0]]


def test_rank_share_is_numpys_array_split_of_the_rows():
    import numpy as np

    from rnnlp.data.batching import rank_share

    for n in (0, 1, 5, 7, 8, 13):
        for world_size in (1, 2, 3, 4):
            for rank in range(world_size):
                expected = np.array_split(np.arange(n), world_size)[rank]
                assert np.arange(n)[rank_share(n, rank, world_size)].tolist() == expected.tolist()


def test_to_moves_every_tensor_but_the_cpu_ones_and_keeps_the_type():
    import torch

    from rnnlp.data.batching import collate
    from rnnlp.data.parallel import collate_parallel

    batch = collate([[4, 5, 6], [7]], [0, 1], index=[3, 9])
    moved = batch.to(torch.device("meta"))
    assert type(moved) is type(batch)
    assert moved.ids.device.type == moved.mask.device.type == moved.targets.device.type == "meta"
    assert moved.lengths.device.type == moved.index.device.type == "cpu"
    assert moved.num_tokens == batch.num_tokens == 4
    pair = collate_parallel([[5, 6], [7]], [[8], [9, 10]]).to(torch.device("meta"))
    assert pair.source.ids.device.type == pair.target_in.device.type == "meta"
    assert pair.source.lengths.device.type == "cpu"
