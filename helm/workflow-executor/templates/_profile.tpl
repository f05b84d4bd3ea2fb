{{/*
The pool's node profile file: the fields no WFX_* variable sets. Tags, resources, capacity, gateways, the NATS URL
and credentials and the node id come as variables (wfx.env), which go over this file.
*/}}
{{- define "wfx.profile" -}}
{{- $root := .root -}}{{- $pool := .pool -}}
{{- $paths := include "wfx.paths" . | fromYaml -}}
{{- $tls := $root.Values.nats.tls -}}
{{- $file := deepCopy $pool.profile -}}
{{- if and (include "wfx.servesGateways" $pool) (hasKey $pool.gateways "mcp") -}}
{{- $_ := set $file "gateways" (dict "mcp" $pool.gateways.mcp) -}}
{{- end -}}
{{- if $tls.enabled -}}
{{- $files := dict "ca" (printf "%s/%s" $paths.natsTls $tls.caKey) -}}
{{- if and $tls.certKey $tls.keyKey -}}
{{- $_ := set $files "cert" (printf "%s/%s" $paths.natsTls $tls.certKey) -}}
{{- $_ := set $files "key" (printf "%s/%s" $paths.natsTls $tls.keyKey) -}}
{{- end -}}
{{- $_ := set $file "nats" (dict "tls" $files) -}}
{{- end -}}
# Node profile of pool {{ $pool.name }}; WFX_* variables set the rest (see the pod's env).
{{ toYaml $file }}
{{- end -}}
