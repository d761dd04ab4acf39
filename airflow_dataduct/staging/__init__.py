"""The staging area: manifests, part writers, local and S3 stores, and the two file formats."""
