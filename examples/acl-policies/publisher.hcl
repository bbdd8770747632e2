# kvexpress publisher: in, stop, resume, copy, rollback (and diff, status).
# Writes every key's data, checksum, last, meta, stop, signatures and chunks. Consul authorises in's stop guard
# (check-not-exists on <prefix>/<key>/stop) as a write of the stop key, so a publisher can also lift
# a freeze: give the stop/resume role to the same people who may publish.
key_prefix "kvexpress/" {
  policy = "write"
}
# Node locks belong to the nodes: a publisher may see them, not set or remove them.
key_prefix "kvexpress/locks/" {
  policy = "read"
}
