"""The RNN forecaster: an LSTM/GRU over numeric series, beside the classical models of
``rnnlp.timeseries`` (numpy only) and compared with them by ``rnnlp forecast``.

- ``model``: the torch module (``Forecaster``);
- ``rnn``: ``RNNForecaster(...).fit()`` -> forecasts, trained through ``rnnlp.training.fit``;
- ``data``: reading a forecast series from CSV (torch-free: ``rnnlp forecast --help`` imports it).

Importing this package imports nothing heavy.
"""
