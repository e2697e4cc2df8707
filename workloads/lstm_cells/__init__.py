"""lstm-cells: the lstm workload's numbers, with the cell written from primitive ops in a loop over time."""
