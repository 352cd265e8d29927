"""The shard format shared by render/ and train/: see shards/README.md."""
