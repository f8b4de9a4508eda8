import { describe, expect, it } from 'vitest';
import { stableDbSystemName, urlHost, urlPort } from '../../../src/span-model/older-conventions.js';

describe('stableDbSystemName', () => {
  it('maps the renamed older db.system values and keeps the unchanged ones', () => {
    expect(stableDbSystemName('mssql')).toBe('microsoft.sql_server');
    expect(stableDbSystemName('oracle')).toBe('oracle.db');
    expect(stableDbSystemName('redshift')).toBe('aws.redshift');
    expect(stableDbSystemName('h2')).toBe('h2database');
    for (const same of ['postgresql', 'mysql', 'mariadb', 'sqlite', 'redis', 'other_sql', 'duckdb']) {
      expect(stableDbSystemName(same)).toBe(same);
    }
  });

  it('gives undefined for values that are not strings', () => {
    expect(stableDbSystemName(undefined)).toBeUndefined();
    expect(stableDbSystemName(5)).toBeUndefined();
  });
});

describe('urlHost and urlPort', () => {
  it('read the host and explicit port of an absolute URL', () => {
    expect(urlHost('https://crm.internal:8443/api?x=1')).toBe('crm.internal');
    expect(urlPort('https://crm.internal:8443/api?x=1')).toBe(8443);
    expect(urlHost('http://Billing')).toBe('billing');
    expect(urlPort('http://Billing')).toBeUndefined();
    expect(urlHost('https://api.example.com?q=a:1')).toBe('api.example.com');
    expect(urlPort('https://api.example.com#frag')).toBeUndefined();
  });

  it('never keep credentials, and unbracket IPv6 addresses', () => {
    expect(urlHost('https://user:p%40ss@db.example:5000/x')).toBe('db.example');
    expect(urlPort('https://user:p%40ss@db.example:5000/x')).toBe(5000);
    expect(urlHost('http://[2001:db8::1]:8080/x')).toBe('2001:db8::1');
    expect(urlPort('http://[2001:db8::1]:8080/x')).toBe(8080);
  });

  it('give undefined for relative URLs, hostless URLs, bad ports and non-strings', () => {
    expect(urlHost('/api/customers')).toBeUndefined();
    expect(urlHost('file:///etc/hosts')).toBeUndefined();
    expect(urlHost('http://[]/x')).toBeUndefined();
    expect(urlPort('http://h:0/')).toBeUndefined();
    expect(urlPort('http://h:70000/')).toBeUndefined();
    expect(urlHost('http://h:123456/')).toBeUndefined();
    expect(urlHost(42)).toBeUndefined();
    expect(urlPort(undefined)).toBeUndefined();
  });
});
