"""vqa: CNN image encoder + LSTM question encoder, DAQUAR's shapes on synthetic seeded data."""
