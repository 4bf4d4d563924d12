"""The tables of the wound-care network and the rules that read a loaded row; the use cases
are the modules beside this package (referrals.py, workflow.py, experts.py…)."""
