#!/usr/bin/env python3
# check-bus-args-table.py SRC: every method of dbus/*.xml is in fuzz-bus-args.c's method table with the same
# in-signature, and the table names no virtd method the XML lacks. Prints TAP.
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

src = pathlib.Path(sys.argv[1])
xml_methods = {}
for path in sorted((src / 'dbus').glob('*.xml')):
    for interface in ET.parse(path).getroot().iter('interface'):
        for method in interface.iter('method'):
            signature = ''.join(arg.get('type') for arg in method.iter('arg') if arg.get('direction', 'in') == 'in')
            xml_methods[(interface.get('name'), method.get('name'))] = signature

text = (src / 'tests' / 'fuzz' / 'fuzz-bus-args.c').read_text()
table_text = text[text.index('BEGIN METHOD TABLE'):text.index('END METHOD TABLE')]
table = {}
for interface, member, signature in re.findall(r'\{ "([\w.]+)", "(\w+)", "([^"]*)", (?:READ|MUTATING) \}', table_text):
    table[(interface, member)] = signature

problems = []
for key, signature in sorted(xml_methods.items()):
    if key not in table:
        problems.append('%s.%s is in the XML but not in the fuzz table' % key)
    elif table[key] != signature:
        problems.append('%s.%s takes "%s" in the XML but "%s" in the fuzz table' % (*key, signature, table[key]))
for key in sorted(table):
    if key[0].startswith('org.virtd.') and key not in xml_methods:
        problems.append('%s.%s is in the fuzz table but not in the XML' % key)

print('1..2')
if xml_methods and table:
    print('ok 1 - %d methods in the XML, %d entries in the fuzz table' % (len(xml_methods), len(table)))
else:
    print('not ok 1 - no methods found (XML: %d, table: %d)' % (len(xml_methods), len(table)))
if problems:
    print('not ok 2 - fuzz-bus-args.c and dbus/*.xml disagree')
    for p in problems:
        print('# ' + p)
    sys.exit(1)
print('ok 2 - every method of every interface is fuzzed with its signature')
