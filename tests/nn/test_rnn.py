import pytest
import torch

from rnnlp.nn.embedding import OneHotEmbedding, TokenEmbedding
from rnnlp.nn.heads import ClassificationHead, pool_outputs
from rnnlp.nn.rnn import RNNEncoder, reverse_padded


def test_reverse_padded_keeps_padding_in_place():
    x = torch.arange(8.0).view(2, 4, 1)
    out = reverse_padded(x, torch.tensor([3, 4]))
    assert out[:, :, 0].tolist() == [[2, 1, 0, 3], [7, 6, 5, 4]]


def _copy_packed_weights(pad: RNNEncoder, pack: RNNEncoder):
    with torch.no_grad():
        for layer in range(pad.num_layers):
            for direction, stack in (("", pad.fwd), ("_reverse", pad.bwd)):
                if stack is None:
                    continue
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(pack.rnn, f"{name}_l{layer}{direction}").copy_(getattr(stack[layer], f"{name}_l0"))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_pad_mode_equals_packed_sequences(cell, bidirectional):
    torch.manual_seed(0)
    pad = RNNEncoder(5, 4, num_layers=2, bidirectional=bidirectional, cell=cell, mode="pad").double()
    pack = RNNEncoder(5, 4, num_layers=2, bidirectional=bidirectional, cell=cell, mode="pack").double()
    _copy_packed_weights(pad, pack)
    x = torch.randn(3, 6, 5, dtype=torch.float64)
    lengths = torch.tensor([6, 2, 4])
    out_pad, final_pad = pad(x, lengths)
    out_pack, final_pack = pack(x, lengths)
    mask = (torch.arange(6) < lengths.unsqueeze(1)).unsqueeze(-1)
    assert torch.allclose(out_pad * mask, out_pack * mask, atol=1e-12)
    assert torch.allclose(final_pad, final_pack, atol=1e-12)


def test_padding_does_not_change_real_outputs():
    torch.manual_seed(0)
    enc = RNNEncoder(3, 4, bidirectional=True).eval()
    x = torch.randn(1, 4, 3)
    short, _ = enc(x, torch.tensor([4]))
    longer, _ = enc(torch.cat([x, torch.randn(1, 3, 3)], 1), torch.tensor([4]))
    assert torch.allclose(short, longer[:, :4], atol=1e-6)


def test_onehot_and_learned_embeddings():
    onehot = OneHotEmbedding(5)
    out = onehot(torch.tensor([[0, 3]]))
    assert out.tolist() == [[[0, 0, 0, 0, 0], [0, 0, 0, 1, 0]]]
    weights = torch.arange(10.0).view(5, 2)
    emb = TokenEmbedding(5, 2, weights=weights, freeze=True)
    assert emb(torch.tensor([[4]])).tolist() == [[[8.0, 9.0]]]
    assert not emb.weight.requires_grad


def test_pooling_ignores_padding():
    outputs = torch.tensor([[[1.0], [5.0], [100.0]]])
    mask = torch.tensor([[True, True, False]])
    assert pool_outputs(outputs, mask, None, "mean").item() == 3.0
    assert pool_outputs(outputs, mask, None, "max").item() == 5.0
    head = ClassificationHead(1, 3, pool="last")
    assert head(outputs, mask, torch.ones(1, 1)).shape == (1, 3)
