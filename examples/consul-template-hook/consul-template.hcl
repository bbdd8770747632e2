# consul-template renders the hosts file, then hands it to kvexpress, which publishes it (or refuses it).
# --soft: a refusal (too short, unchanged is already 0) or a halt (stop key) must not end consul-template,
# which exits when a command fails.
consul {
  address = "127.0.0.1:8500"
}

template {
  source      = "/etc/kvexpress/templates/hosts.ctmpl"
  destination = "/var/lib/kvexpress/hosts.rendered"
  command     = "kvexpress in -k hosts -f /var/lib/kvexpress/hosts.rendered --soft"
  command_timeout = "30s"
}
