#!/usr/bin/python3
"""Writes examples/data/karate.csv: Zachary's karate club (networkx.karate_club_graph, 34 members,
78 friendships) as "i,j" edge rows (0-based, i < j), and examples/data/karate_labels.csv: the club
each member joined after the split (0 = Mr. Hi, 1 = Officer), one per line in node order.
Run: /usr/bin/python3 examples/data/karate_export.py"""
import os

import networkx as nx

here = os.path.dirname(os.path.abspath(__file__))
G = nx.karate_club_graph()
with open(os.path.join(here, "karate.csv"), "w") as f:
    f.write("i,j\n")
    for u, v in sorted((min(e), max(e)) for e in G.edges()):
        f.write("%d,%d\n" % (u, v))
with open(os.path.join(here, "karate_labels.csv"), "w") as f:
    f.write("club\n")
    for i in range(G.number_of_nodes()):
        f.write("%d\n" % (0 if G.nodes[i]["club"] == "Mr. Hi" else 1))
