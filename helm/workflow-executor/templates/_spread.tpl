{{/*
The pool's topologySpreadConstraints; without any, across zones and then across hosts, so losing one takes few of the
pool's nodes (ScheduleAnyway: a cluster with one zone or few hosts still schedules every pod).
*/}}
{{- define "wfx.topologySpread" -}}
{{- $pool := .pool -}}
{{- if $pool.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml $pool.topologySpreadConstraints | nindent 2 }}
{{- else if $pool.defaultTopologySpread }}
topologySpreadConstraints:
  {{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
  - maxSkew: 1
    topologyKey: {{ $key }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "wfx.selectorLabels" $ | nindent 8 }}
  {{- end }}
{{- end }}
{{- end -}}
