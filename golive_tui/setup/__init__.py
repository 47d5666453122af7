"""Setting golive up on a machine: optional extras, `golive init` (a profile from what it sees),
`golive doctor`."""
