-- name: live/ingested_fingerprints
-- The content fingerprints (SHA-256 of size, first and last MiB) of every file the store
-- has ingested, with the file it was first seen as: a watched folder ingests each content
-- once, under whatever name it appears.
-- Returns: file_sha256 (text), source_file (text).
select file_sha256, arg_min(source_file, started_at) as source_file
from ingests
where file_sha256 is not null
group by file_sha256
