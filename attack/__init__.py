"""CIASA and FGSM attacks on skeleton action recognisers (issue: the CIASA attack).

Imports only ``pipeline``; knows nothing of files, CLIs or Prefect."""
