import { allowedRedirect } from './redirect-target';

const ALLOWED = ['https://app.example.com/signed-in', 'https://auth.example.com'];

describe('allowedRedirect', () => {
  it.each([
    'https://app.example.com/signed-in',
    'https://app.example.com/signed-in?next=%2Fhome',
    'https://app.example.com/signed-in/mobile',
    'https://auth.example.com/',
    'https://auth.example.com/account',
  ])('lets %s through', (target) => {
    expect(allowedRedirect(target, ALLOWED)?.href).toBeDefined();
  });

  it.each([
    'https://app.example.com/signed-in-evil',
    'https://app.example.com/',
    'https://app.example.com.evil.test/signed-in',
    'https://app.example.com@evil.test/signed-in',
    'https://user:pw@app.example.com/signed-in',
    '//evil.test/signed-in',
    '/signed-in',
    'http://app.example.com/signed-in',
    'https://app.example.com:8443/signed-in',
    'https://app.example.com/signed-in#x',
    'https://app.example.com/signed-in/../admin',
    'https://app.example.com/signed-in/%2e%2e/admin',
    'https:\\\\evil.test/signed-in',
    'javascript:alert(1)//https://app.example.com/signed-in',
    'https://evil.test/?https://app.example.com/signed-in',
    '',
  ])('refuses %s', (target) => {
    expect(allowedRedirect(target, ALLOWED)).toBeUndefined();
  });
});
