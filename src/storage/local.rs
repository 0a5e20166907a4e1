//! Files on the local disk, under one folder. Right for a single instance; several instances
//! need shared object storage.

use std::io::ErrorKind;
use std::path::PathBuf;

use super::{Key, Storage, StorageFuture};

pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl Storage for LocalDisk {
    fn put<'a>(&'a self, key: &'a Key, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            tokio::fs::create_dir_all(&self.root).await?;
            // Written aside and renamed, so a reader never sees half a file.
            let path = self.root.join(key.as_str());
            let partial = self.root.join(format!("{}.partial", key.as_str()));
            tokio::fs::write(&partial, bytes).await?;
            tokio::fs::rename(&partial, &path).await
        })
    }

    fn get<'a>(&'a self, key: &'a Key) -> StorageFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            match tokio::fs::read(self.root.join(key.as_str())).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a Key) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.root.join(key.as_str())).await {
                Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }
}
