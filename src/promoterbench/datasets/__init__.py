"""The paper's other benchmarks (issue 28): each data set's source record and its reader into one
validated table. ``deepstarr``: Drosophila S2 STARR-seq (de Almeida et al. 2022); ``lentimpra``:
human lentiMPRA (Agarwal et al. 2025). ``sources`` fetches and checks the files, ``tables`` holds
what the readers share (the quarantine of bad records, the table's common columns)."""
