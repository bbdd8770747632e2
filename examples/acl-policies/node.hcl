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
# out --reload-slots: a session on this Consul node and the key's slots folder (one rule per key).
# With --reload-slots or --health-service, NODE must also be the Consul node's name.
session "NODE" {
  policy = "write"
}
key_prefix "kvexpress/hosts/slots/" {
  policy = "write"
}
# out --health-service: this node's checks and the services they belong to.
node "NODE" {
  policy = "read"
}
service_prefix "" {
  policy = "read"
}
