"""Attention layers: EinsumDense and MultiHeadAttention, on one scaled-dot-product core
(dot_product.py) where every mask is handled."""

from lamina.layers.attention.attention import AdditiveAttention, Attention
from lamina.layers.attention.einsum_dense import EinsumDense
from lamina.layers.attention.group_query_attention import GroupQueryAttention
from lamina.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "EinsumDense", "GroupQueryAttention",
           "MultiHeadAttention"]
