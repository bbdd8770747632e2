# kvexpress auditor: status and diff, read only. With acl.enable_key_list_policy = true, listing a folder
# needs "list" (status -k KEY lists only that key's folder, plain status the whole prefix); without it,
# "read" is enough and Consul leaves unreadable keys out of listings.
key_prefix "kvexpress/" {
  policy = "list"
}
