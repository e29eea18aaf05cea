//! Where document bytes live: any `object_store` backend (the local filesystem under the data
//! directory by default; `s3://`, `gs://`, `az://` or `file://` by URL). Keys are random, never
//! derived from what the client sent.

use std::ops::Range;
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt as _};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};

/// Bytes read from the upload at a time.
const CHUNK: usize = 64 * 1024;
/// The start of a file kept for recognising its type.
const SNIFF: usize = 8 * 1024;

/// The document store and the largest document it accepts.
#[derive(Clone, Debug)]
pub struct DocumentStorage {
    store: Arc<dyn ObjectStore>,
    /// Where documents go inside the store (the path part of a storage URL).
    prefix: Path,
    pub max_bytes: usize,
    /// The directory of a store on the local filesystem, whose half-written staging files
    /// (`<key>#<n>`, left by a crash during a write) the store itself does not list.
    local_dir: Option<std::path::PathBuf>,
}

/// What writing an upload found out about its bytes.
#[derive(Debug, Clone)]
pub struct Written {
    pub key: String,
    pub size: u64,
    pub sha256: String,
    /// The first bytes, for recognising the type.
    pub head: Vec<u8>,
}

impl Default for DocumentStorage {
    /// In memory, for tools that need a schema but serve no documents.
    fn default() -> Self {
        Self::new(Arc::new(InMemory::new()), 25 * 1024 * 1024)
    }
}

impl DocumentStorage {
    pub fn new(store: Arc<dyn ObjectStore>, max_bytes: usize) -> Self {
        Self {
            store,
            prefix: Path::default(),
            max_bytes,
            local_dir: None,
        }
    }

    /// The store named by `url`, else a `documents` directory under `data_dir`.
    pub fn open(
        url: Option<&str>,
        data_dir: &std::path::Path,
        max_bytes: usize,
    ) -> anyhow::Result<Self> {
        let Some(url) = url else {
            let dir = data_dir.join("documents");
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("creating the documents directory {}", dir.display()))?;
            let store = LocalFileSystem::new_with_prefix(&dir)
                .with_context(|| format!("opening the documents directory {}", dir.display()))?;
            return Ok(Self {
                local_dir: Some(dir),
                ..Self::new(Arc::new(store), max_bytes)
            });
        };
        let parsed = url::Url::parse(url).context("RAPPORT_DOCUMENTS_URL is not a URL")?;
        if parsed.scheme() == "file" {
            // The local store refuses to create its root; make sure it exists.
            std::fs::create_dir_all(parsed.path())
                .with_context(|| format!("creating the documents directory {}", parsed.path()))?;
        }
        // Credentials and regions come from the environment, as each backend documents.
        let (store, prefix) = object_store::parse_url_opts(&parsed, std::env::vars())
            .with_context(|| format!("opening the document store {}", parsed.scheme()))?;
        let local_dir = (parsed.scheme() == "file").then(|| parsed.path().into());
        Ok(Self {
            store: Arc::from(store),
            prefix,
            max_bytes,
            local_dir,
        })
    }

    fn path(&self, key: &str) -> Path {
        self.prefix.clone().join(key)
    }

    /// Copies `content` into the store under a new random key, hashing it on the way. On any
    /// failure the store holds nothing under the key.
    pub async fn write(&self, mut content: impl AsyncRead + Unpin) -> anyhow::Result<Written> {
        let key = uuid::Uuid::new_v4().simple().to_string();
        let mut writer = BufWriter::new(Arc::clone(&self.store), self.path(&key));
        let mut hasher = Sha256::new();
        let mut head = Vec::with_capacity(SNIFF);
        let mut size = 0_u64;
        let copied: anyhow::Result<()> = async {
            let mut buffer = vec![0_u8; CHUNK];
            loop {
                let n = content
                    .read(&mut buffer)
                    .await
                    .context("reading the upload")?;
                if n == 0 {
                    break;
                }
                let chunk = &buffer[..n];
                hasher.update(chunk);
                let room = SNIFF.saturating_sub(head.len()).min(n);
                head.extend_from_slice(&chunk[..room]);
                size += n as u64;
                writer.put(Bytes::copy_from_slice(chunk)).await?;
            }
            Ok(())
        }
        .await;
        if let Err(error) = copied {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(%abort, key, "aborting a failed document write");
            }
            return Err(error);
        }
        // The last put (or completing the multipart upload) is atomic: on failure no object
        // is visible under the key.
        writer
            .shutdown()
            .await
            .context("finishing the stored object")?;
        Ok(Written {
            key,
            size,
            sha256: hex(&hasher.finalize()),
            head,
        })
    }

    /// The bytes of `key` in `range` (or all of them), as a stream.
    pub async fn read(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> anyhow::Result<BoxStream<'static, object_store::Result<Bytes>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let found = self
            .store
            .get_opts(&self.path(key), options)
            .await
            .with_context(|| format!("reading stored document {key}"))?;
        Ok(found.into_stream())
    }

    /// Removes `key`; an already missing object is fine.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error).with_context(|| format!("deleting stored document {key}")),
        }
    }

    /// Removes every key, logging the ones that could not be removed (their rows are gone
    /// already, so the bytes are unreachable either way).
    pub async fn delete_all(&self, keys: &[String]) {
        for key in keys {
            if let Err(error) = self.delete(key).await {
                tracing::error!(
                    error = format!("{error:#}"),
                    key,
                    "document bytes left behind"
                );
            }
        }
    }
}

impl DocumentStorage {
    /// The keys of the stored objects last written before `before`.
    pub async fn keys_written_before(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Vec<String>> {
        use futures_util::TryStreamExt as _;
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let objects: Vec<object_store::ObjectMeta> = self
            .store
            .list(prefix)
            .try_collect()
            .await
            .context("listing stored documents")?;
        Ok(objects
            .into_iter()
            .filter(|object| object.last_modified < before)
            .filter_map(|object| {
                let key = match prefix {
                    Some(prefix) => object
                        .location
                        .prefix_match(prefix)?
                        .last()?
                        .as_ref()
                        .to_owned(),
                    None => object.location.as_ref().to_owned(),
                };
                Some(key)
            })
            .collect())
    }
}

impl DocumentStorage {
    /// Removes the local store's staging files (`<key>#<n>`) last written before `before`;
    /// returns how many. Other stores have none: their uploads are atomic or expire.
    pub fn remove_staging_files_before(&self, before: std::time::SystemTime) -> usize {
        fn walk(dir: &std::path::Path, before: std::time::SystemTime, removed: &mut usize) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    walk(&path, before, removed);
                } else if entry.file_name().to_string_lossy().contains('#')
                    && meta.modified().is_ok_and(|at| at < before)
                {
                    match std::fs::remove_file(&path) {
                        Ok(()) => *removed += 1,
                        Err(error) => {
                            tracing::warn!(%error, path = %path.display(), "removing a staging file")
                        }
                    }
                }
            }
        }
        let mut removed = 0;
        if let Some(dir) = &self.local_dir {
            walk(dir, before, &mut removed);
        }
        removed
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn written_bytes_read_back_with_their_hash() {
        let storage = DocumentStorage::default();
        let written = storage.write(&b"hello"[..]).await.expect("write");
        assert_eq!(written.size, 5);
        assert_eq!(
            written.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        use futures_util::TryStreamExt as _;
        let chunks: Vec<Bytes> = storage
            .read(&written.key, Some(1..3))
            .await
            .expect("read")
            .try_collect()
            .await
            .expect("stream");
        assert_eq!(chunks.concat(), b"el");
        storage.delete(&written.key).await.expect("delete");
        storage
            .delete(&written.key)
            .await
            .expect("deleting twice is fine");
        assert!(storage.read(&written.key, None).await.is_err());
    }
}
