# kvexpress node: out, out --watch, out --report, and lock/unlock of the node's own files.
# NODE is the node's name (as kvexpress sees it: --hostname, else the host name); render one policy
# per node, e.g. with your configuration management, or drop the report rule if nodes do not --report.
key_prefix "kvexpress/" {
  policy = "read"
}
# Lock keys are kvexpress/locks/<sha256(file)>/<hostname>: a prefix rule cannot pin the last segment,
# so a node may write any node's lock of any file. Omit this rule on nodes that never run lock/unlock.
key_prefix "kvexpress/locks/" {
  policy = "write"
}
# out --report writes kvexpress/<key>/nodes/<hostname>: one rule per key the node applies.
key "kvexpress/hosts/nodes/NODE" {
  policy = "write"
}
