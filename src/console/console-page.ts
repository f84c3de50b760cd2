import { Injectable } from '@nestjs/common';
import { WebPage } from '../common/web-page';

/** The admin console's files (admin/, with web-common/), served under /admin. */
@Injectable()
export class ConsolePage extends WebPage {
  constructor() {
    super({
      folder: 'admin',
      base: '/admin',
      text: {
        en: {
          title: 'Admin console',
          noscript: 'The admin console needs JavaScript.',
          skip: 'Skip to the content',
        },
        ru: {
          title: 'Консоль администратора',
          noscript: 'Для консоли администратора нужен JavaScript.',
          skip: 'К содержанию',
        },
      },
    });
  }
}
