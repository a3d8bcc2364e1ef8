"""What the API and the sweeps do: short functions over the unit of work and the domain."""
