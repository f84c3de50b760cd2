import { Injectable } from '@nestjs/common';
import { WebPage } from '../common/web-page';

/**
 * The account page's files (account/, with web-common/), served under /account; the QR code
 * library comes from its installed package, served as it is (no CDN).
 */
@Injectable()
export class AccountPage extends WebPage {
  constructor() {
    super({
      folder: 'account',
      base: '/account',
      vendor: { 'qr.js': 'qr' },
      text: {
        en: {
          title: 'Your account',
          noscript: 'The account page needs JavaScript.',
          skip: 'Skip to the content',
        },
        ru: {
          title: 'Ваш аккаунт',
          noscript: 'Для страницы аккаунта нужен JavaScript.',
          skip: 'К содержанию',
        },
      },
    });
  }
}
