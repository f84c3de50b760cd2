import { checkDestination, DestinationRefused, isPublicAddress } from './webhook-destination';

const STRICT = { allowHttp: false, allowPrivate: false };
const resolvesTo =
  (...addresses: string[]) =>
  () =>
    Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('webhook destinations', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2002:7f00:1::',
    '64:ff9b::7f00:1',
  ])('refuses the non-public address %s', (a) => {
    expect(isPublicAddress(a)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (a) => {
      expect(isPublicAddress(a)).toBe(true);
    },
  );

  it('refuses http:// unless allowed', async () => {
    await expect(
      checkDestination('http://hooks.example.com/x', STRICT, resolvesTo('93.184.215.14')),
    ).rejects.toBeInstanceOf(DestinationRefused);
    await expect(
      checkDestination(
        'http://hooks.example.com/x',
        { ...STRICT, allowHttp: true },
        resolvesTo('93.184.215.14'),
      ),
    ).resolves.toMatchObject({ address: '93.184.215.14', family: 4 });
  });

  it('refuses other schemes even when http is allowed', async () => {
    await expect(
      checkDestination('ftp://hooks.example.com/x', { allowHttp: true, allowPrivate: true }),
    ).rejects.toBeInstanceOf(DestinationRefused);
  });

  it('refuses a host with one private address among public ones', async () => {
    await expect(
      checkDestination('https://hooks.example.com/', STRICT, resolvesTo('8.8.8.8', '10.0.0.5')),
    ).rejects.toThrow('non-public');
  });

  it('refuses IP literals on loopback, bracketed IPv6 included', async () => {
    for (const url of ['https://127.0.0.1/', 'https://[::1]/', 'https://[::ffff:7f00:1]/']) {
      await expect(checkDestination(url, STRICT)).rejects.toBeInstanceOf(DestinationRefused);
    }
  });

  it('allows private addresses when WEBHOOK_ALLOW_PRIVATE is on', async () => {
    await expect(
      checkDestination('https://127.0.0.1:8443/', { allowHttp: false, allowPrivate: true }),
    ).resolves.toMatchObject({ address: '127.0.0.1' });
  });

  it('refuses credentials in the URL and a host that does not resolve', async () => {
    await expect(
      checkDestination('https://u:p@hooks.example.com/', STRICT, resolvesTo('8.8.8.8')),
    ).rejects.toThrow('credentials');
    await expect(
      checkDestination('https://nowhere.invalid/', STRICT, () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('does not resolve');
  });
});
